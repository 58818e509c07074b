import { describe, expect, it } from 'vitest';
import { readEnv as readProcessEnv } from '../../../lib/config/env';
import { accountPolicy, isSignupOpen, workspaceCreators } from '../../../lib/config/signup';

const readEnv = (vars: Record<string, string>) => readProcessEnv(vars as NodeJS.ProcessEnv);

describe('[ACCOUNTS] sign-up and workspace-creation settings', () => {
  it('sign-up is closed and workspaces are for maintainers unless the operator says otherwise', () => {
    const env = readEnv({});
    expect(isSignupOpen(env)).toBe(false);
    expect(workspaceCreators(env)).toBe('maintainers');
    expect(accountPolicy(env)).toEqual({ openSignup: false, workspaceCreators: 'maintainers' });
  });

  it('SLUICE_OPEN_SIGNUP=1 opens sign-up; 0 and empty keep it closed', () => {
    expect(isSignupOpen(readEnv({ SLUICE_OPEN_SIGNUP: '1' }))).toBe(true);
    expect(isSignupOpen(readEnv({ SLUICE_OPEN_SIGNUP: 'true' }))).toBe(true);
    expect(isSignupOpen(readEnv({ SLUICE_OPEN_SIGNUP: '0' }))).toBe(false);
    expect(isSignupOpen(readEnv({ SLUICE_OPEN_SIGNUP: '' }))).toBe(false);
  });

  it('refuses to start on a value it does not understand, rather than guessing open or closed', () => {
    expect(() => readEnv({ SLUICE_OPEN_SIGNUP: 'yes' })).toThrow(/SLUICE_OPEN_SIGNUP/);
    expect(() => readEnv({ SLUICE_WORKSPACE_CREATORS: 'admins' })).toThrow(/SLUICE_WORKSPACE_CREATORS/);
  });

  it('SLUICE_WORKSPACE_CREATORS picks who may create workspaces', () => {
    for (const v of ['maintainers', 'everyone', 'nobody'] as const) expect(workspaceCreators(readEnv({ SLUICE_WORKSPACE_CREATORS: v }))).toBe(v);
  });
});
