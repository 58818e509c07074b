import type { SluiceEnv } from './env';

/**
 * Who may get an account and who may create workspaces: operator settings, read from the
 * environment (see README, "Accounts, workspaces and roles"). Pure: no database, no request.
 */

/** Who may create workspaces from the console (the operator's CLI/server-side calls always may). */
export type WorkspaceCreators = 'maintainers' | 'everyone' | 'nobody';

export interface AccountPolicy {
  /** Anyone may sign up (SLUICE_OPEN_SIGNUP=1); otherwise only an invited address, with its invitation. */
  openSignup: boolean;
  workspaceCreators: WorkspaceCreators;
}

/**
 * Whether anyone may create an account (SLUICE_OPEN_SIGNUP=1). False by default: after the first
 * account (made by /setup) sign-up needs an invitation link. Before setup nobody may sign up, open
 * or not — the first account is /setup's.
 */
export function isSignupOpen(env: Pick<SluiceEnv, 'SLUICE_OPEN_SIGNUP'>): boolean {
  return env.SLUICE_OPEN_SIGNUP === true;
}

/** SLUICE_WORKSPACE_CREATORS, default `maintainers` (accounts that maintain at least one workspace). */
export function workspaceCreators(env: Pick<SluiceEnv, 'SLUICE_WORKSPACE_CREATORS'>): WorkspaceCreators {
  return env.SLUICE_WORKSPACE_CREATORS ?? 'maintainers';
}

export function accountPolicy(env: Pick<SluiceEnv, 'SLUICE_OPEN_SIGNUP' | 'SLUICE_WORKSPACE_CREATORS'>): AccountPolicy {
  return { openSignup: isSignupOpen(env), workspaceCreators: workspaceCreators(env) };
}
