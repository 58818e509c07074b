import { createAccessControl } from 'better-auth/plugins/access';
import { defaultStatements } from 'better-auth/plugins/organization/access';

/**
 * Workspace roles, as in Kamu: Reader ⊂ Editor ⊂ Maintainer. One statement list serves both
 * Better Auth's organization endpoints (members, invitations) and Sluice's own guard.
 */
const statements = {
  ...defaultStatements,
  /** read: view, live preview, query, download. */
  dataset: ['read', 'create', 'edit', 'pull', 'publish', 'delete'],
  quarantine: ['discard'],
  secret: ['manage'],
  /** manage: create and revoke device credentials (lib/devices). */
  device: ['manage'],
  schedule: ['manage'],
  activity: ['read'],
  /** save: save queries, rename and delete one's own; manage: rename and delete anyone's (see saved-query-access.ts). */
  savedQuery: ['save', 'manage'],
} as const;

export const accessControl = createAccessControl(statements);

const reader = accessControl.newRole({ dataset: ['read'], activity: ['read'], savedQuery: ['save'] });
const editor = accessControl.newRole({ dataset: ['read', 'create', 'edit', 'pull', 'publish'], quarantine: ['discard'], activity: ['read'], savedQuery: ['save'] });
const maintainer = accessControl.newRole({
  organization: ['update', 'delete'],
  member: ['create', 'update', 'delete'],
  invitation: ['create', 'cancel'],
  dataset: ['read', 'create', 'edit', 'pull', 'publish', 'delete'],
  quarantine: ['discard'],
  secret: ['manage'],
  device: ['manage'],
  schedule: ['manage'],
  activity: ['read'],
  savedQuery: ['save', 'manage'],
});

export const ROLES = { reader, editor, maintainer };
export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

type Statements = typeof statements;
/** One action on one resource, e.g. `{ dataset: 'pull' }`. */
export type Permission = { [R in keyof Statements]: { [K in R]: Statements[R][number] } }[keyof Statements];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value); // not `in`: "constructor" and "toString" are no roles
}

/**
 * Why `role` may not be given to a member or an invitation, or null: exactly one of Sluice's
 * three. Better Auth accepts any role name, and lists ("maintainer,reader"), and would store
 * Better Auth's own "owner" or "admin", which Sluice's pages and guard do not know.
 */
export function roleRefusal(role: unknown): string | null {
  return typeof role === 'string' && isRole(role) ? null : `a role is one of ${ROLE_NAMES.join(', ')}`;
}

/** Whether a member with `role` may do `permission` (an unknown role may do nothing). */
export function can(role: string, permission: Permission): boolean {
  if (!isRole(role)) return false;
  const [resource, action] = Object.entries(permission)[0] as [keyof Statements, string];
  return ROLES[role].authorize({ [resource]: [action] } as never).success;
}
