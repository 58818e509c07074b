import { prismaAdapter } from '@better-auth/prisma-adapter';
import { betterAuth, type BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { organization } from 'better-auth/plugins';
import { readEnv } from '../config/env';
import { deriveKey } from '../config/secret-key';
import { accountPolicy, type AccountPolicy } from '../config/signup';
import { ActivityRepository } from '../store/activity-repository';
import type { PrismaClient } from '../store/prisma';
import { AccountName, accountImageRefusal, mayCreateWorkspace, nameRefusal, sameEmail, signupRefusal, workspaceAddressRefusal, WorkspaceName } from './account-policy';
import { accessControl, roleRefusal, ROLES } from './roles';

export interface AuthConfig {
  prisma: PrismaClient;
  /** SLUICE_SECRET_KEY: the secret that signs sessions is derived from it. */
  masterKey: Buffer;
  /** The console's public origin, e.g. http://127.0.0.1:3000 (inferred from requests when unset). */
  baseURL?: string;
  /** Framework glue, such as Next's cookie plugin for server actions. */
  plugins?: BetterAuthPlugin[];
  /** Who may sign up and create workspaces; default from the environment (lib/config/signup.ts). */
  policy?: AccountPolicy;
}

/** Sign-in attempts per address and minute before requests are refused (429). */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

/**
 * Accounts and workspaces with Better Auth: email and password (hashed by the library), sessions
 * that expire after a week without use, rate-limited sign-in kept in Postgres so every instance
 * shares it, and workspaces as organizations with Sluice's roles. No email is sent: invitations
 * are links the maintainer passes on.
 *
 * The account policy is enforced here, on Better Auth's own endpoints, since /api/auth/* is
 * reachable over HTTP whatever the pages offer: sign-up (closed before setup; after it, by
 * invitation — the invitation's id and its address — unless SLUICE_OPEN_SIGNUP=1), workspace
 * creation (SLUICE_WORKSPACE_CREATORS), and accepting an invitation (only as its address).
 */
export function createAuth(config: AuthConfig) {
  const policy = config.policy ?? accountPolicy(readEnv());
  const db = config.prisma;
  const refuseSignup = async (email: string, invitationId: unknown) => {
    const reason = await signupRefusal(db, policy, { email, invitationId });
    if (reason) throw new APIError('FORBIDDEN', { code: 'SIGNUP_NOT_ALLOWED', message: reason });
  };
  const refuseAddressChange = (change: Parameters<typeof workspaceAddressRefusal>[0]) => {
    const reason = workspaceAddressRefusal(change);
    if (reason) throw new APIError('FORBIDDEN', { code: 'WORKSPACE_ADDRESS', message: reason });
  };
  // Names members show each other follow one rule (lib/auth/display-name.ts), however they are set.
  const refuseName = (rule: typeof WorkspaceName, value: unknown) => {
    const reason = value === undefined ? null : nameRefusal(rule, value);
    if (reason) throw new APIError('BAD_REQUEST', { code: 'INVALID_NAME', message: reason });
  };
  const refuseRole = (role: unknown) => {
    const reason = roleRefusal(role);
    if (reason) throw new APIError('BAD_REQUEST', { code: 'UNKNOWN_ROLE', message: reason });
  };
  const refuseProfile = (data: { name?: unknown; image?: unknown }) => {
    refuseName(AccountName, data.name);
    const reason = accountImageRefusal(data.image);
    if (reason) throw new APIError('BAD_REQUEST', { code: 'INVALID_IMAGE', message: reason });
  };
  return betterAuth({
    appName: 'Sluice',
    secret: deriveKey(config.masterKey, 'auth').toString('base64'),
    baseURL: config.baseURL,
    // No adapter transactions: the policy hooks below read through config.prisma, which must not wait
    // on a transaction of Better Auth's own (the embedded database serialises transactions).
    database: prismaAdapter(config.prisma, { provider: 'postgresql', transaction: false }),
    telemetry: { enabled: false },
    // check-slug tells anyone whether a workspace exists (pages answer non-members 404); the
    // console's create-workspace form does not use it: creating a taken slug is refused anyway.
    disabledPaths: ['/organization/check-slug'],
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
    hooks: {
      // Sign-up is refused before anything else happens (no "user already exists" answer to a
      // visitor who may not sign up at all). The database hook below catches any other way in.
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-up/email') return;
        const body = (ctx.body ?? {}) as Record<string, unknown>;
        await refuseSignup(typeof body.email === 'string' ? body.email : '', body.invitationId);
      }),
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user, ctx) => {
            await refuseSignup(user.email, (ctx?.body as Record<string, unknown> | undefined)?.invitationId);
            refuseProfile(user);
          },
        },
        update: {
          // An address is what invitations are bound to: it never changes through Better Auth.
          before: async (data) => {
            if (data.email !== undefined) throw new APIError('FORBIDDEN', { code: 'EMAIL_CANNOT_CHANGE', message: 'the email address of an account cannot be changed' });
            refuseProfile(data);
          },
        },
      },
    },
    plugins: [
      organization({
        ac: accessControl,
        roles: ROLES,
        creatorRole: 'maintainer',
        invitationExpiresIn: 7 * 24 * 3600,
        cancelPendingInvitationsOnReInvite: true,
        // Consulted for every request to /organization/create; a server-side call with `userId`
        // and no session (the operator's) is Better Auth's "system action" and is not held to it.
        allowUserToCreateOrganization: (user) => mayCreateWorkspace(db, policy, user.id),
        organizationHooks: {
          // A workspace's address follows one rule and never moves (lib/auth/account-policy.ts).
          beforeCreateOrganization: async ({ organization: ws }) => {
            refuseAddressChange({ create: { slug: ws.slug } });
            refuseName(WorkspaceName, ws.name ?? '');
          },
          beforeUpdateOrganization: async ({ organization: ws }) => {
            refuseAddressChange({ update: { slug: ws.slug } });
            refuseName(WorkspaceName, ws.name);
          },
          beforeDeleteOrganization: async ({ organization: ws }) => refuseAddressChange({ delete: { id: ws.id } }),
          // Whatever role name or list a request names, a member holds exactly one of Sluice's roles.
          beforeCreateInvitation: async ({ invitation }) => refuseRole(invitation.role),
          beforeAddMember: async ({ member }) => refuseRole(member.role),
          beforeUpdateMemberRole: async ({ newRole }) => refuseRole(newRole),
          // Better Auth checks this too; Sluice does not rely on it.
          beforeAcceptInvitation: async ({ invitation, user }) => {
            if (!sameEmail(invitation.email, user.email)) throw new APIError('FORBIDDEN', { code: 'NOT_THE_INVITED_ADDRESS', message: `this invitation is for ${invitation.email}; you are signed in as ${user.email}` });
          },
          afterAcceptInvitation: async ({ invitation, member, user, organization: ws }) => {
            await new ActivityRepository(db)
              .record({ workspaceId: ws.id, actor: { id: user.id, email: user.email }, action: 'member.join', target: user.email, detail: { role: member.role, invitation: invitation.id } })
              .catch((err: unknown) => console.error('recording member.join failed', err));
          },
        },
      }),
      ...(config.plugins ?? []),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
