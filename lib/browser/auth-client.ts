import { createAuthClient } from 'better-auth/react';
import { organizationClient } from 'better-auth/client/plugins';
import { accessControl, ROLES } from '../auth/roles';

function create() {
  return createAuthClient({ plugins: [organizationClient({ ac: accessControl, roles: ROLES })] });
}

let client: ReturnType<typeof create> | undefined;

/**
 * Better Auth from the browser: sign-in and sign-up go through /api/auth, where attempts are
 * rate-limited. Created on first use, in the browser, where the page's origin is the base URL.
 */
export function getAuthClient(): ReturnType<typeof create> {
  client ??= create();
  return client;
}
