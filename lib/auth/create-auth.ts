import { prismaAdapter } from '@better-auth/prisma-adapter';
import { betterAuth, type BetterAuthPlugin } from 'better-auth';
import { organization } from 'better-auth/plugins';
import { deriveKey } from '../config/secret-key';
import type { PrismaClient } from '../store/prisma';
import { accessControl, ROLES } from './roles';

export interface AuthConfig {
  prisma: PrismaClient;
  /** SLUICE_SECRET_KEY: the secret that signs sessions is derived from it. */
  masterKey: Buffer;
  /** The console's public origin, e.g. http://127.0.0.1:3000 (inferred from requests when unset). */
  baseURL?: string;
  /** Framework glue, such as Next's cookie plugin for server actions. */
  plugins?: BetterAuthPlugin[];
}

/** Sign-in attempts per address and minute before requests are refused (429). */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/**
 * Accounts and workspaces with Better Auth: email and password (hashed by the library), sessions
 * that expire after a week without use, rate-limited sign-in kept in Postgres so every instance
 * shares it, and workspaces as organizations with Sluice's roles. No email is sent: invitations
 * are links the maintainer passes on.
 */
export function createAuth(config: AuthConfig) {
  return betterAuth({
    appName: 'Sluice',
    secret: deriveKey(config.masterKey, 'auth').toString('base64'),
    baseURL: config.baseURL,
    database: prismaAdapter(config.prisma, { provider: 'postgresql' }),
    telemetry: { enabled: false },
    // Set by Sluice's own HTTP server from the socket (cli/web-server.ts): clients cannot choose it.
    advanced: { ipAddress: { ipAddressHeaders: ['x-sluice-client-ip'] } },
    emailAndPassword: { enabled: true, minPasswordLength: 10, autoSignIn: true },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 200,
      customRules: {
        '/sign-in/email': { window: 60, max: SIGN_IN_ATTEMPTS_PER_MINUTE },
        '/sign-up/email': { window: 60, max: SIGN_IN_ATTEMPTS_PER_MINUTE },
      },
    },
    plugins: [
      organization({
        ac: accessControl,
        roles: ROLES,
        creatorRole: 'maintainer',
        invitationExpiresIn: 7 * 24 * 3600,
        cancelPendingInvitationsOnReInvite: true,
      }),
      ...(config.plugins ?? []),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
