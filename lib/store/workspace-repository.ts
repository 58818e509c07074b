import { randomUUID } from 'node:crypto';
import type { PrismaClient } from './prisma';

export interface WorkspaceSummary {
  id: string;
  slug: string;
  name: string;
  role: string;
}

/** Workspaces and memberships as Sluice reads them (Better Auth's organization plugin writes them). */
export class WorkspaceRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** A workspace by its slug (the CLI's `--workspace` and `workspace/name` arguments). */
  async bySlug(slug: string): Promise<{ id: string; slug: string } | undefined> {
    return (await this.prisma.organization.findUnique({ where: { slug }, select: { id: true, slug: true } })) ?? undefined;
  }

  /** The account's membership in the workspace with this slug, if any. */
  async membership(userId: string, slug: string): Promise<WorkspaceSummary | undefined> {
    const m = await this.prisma.member.findFirst({ where: { userId, organization: { slug } }, include: { organization: true } });
    return m ? { id: m.organization.id, slug: m.organization.slug, name: m.organization.name, role: m.role } : undefined;
  }

  async listForUser(userId: string): Promise<WorkspaceSummary[]> {
    const rows = await this.prisma.member.findMany({ where: { userId }, include: { organization: true }, orderBy: { organization: { name: 'asc' } } });
    return rows.map((m) => ({ id: m.organization.id, slug: m.organization.slug, name: m.organization.name, role: m.role }));
  }

  async countUsers(): Promise<number> {
    return this.prisma.user.count();
  }

  /** Adds a member directly (the first account becomes the default workspace's maintainer). */
  async addMember(workspaceId: string, userId: string, role: string): Promise<void> {
    await this.prisma.member.create({ data: { id: randomUUID(), organizationId: workspaceId, userId, role } });
  }

  /**
   * The email of a member of this workspace (by membership id), or undefined when the id is not a
   * membership of it: a member action names its target by id, and only ids of the workspace the
   * guard checked may reach Better Auth (which would act on any workspace the caller maintains).
   */
  async memberEmail(workspaceId: string, memberId: string): Promise<string | undefined> {
    const m = await this.prisma.member.findFirst({ where: { id: memberId, organizationId: workspaceId }, include: { user: { select: { email: true } } } });
    return m?.user.email;
  }

  /** The invited address of a pending invitation of this workspace, or undefined (another workspace's, used, unknown). */
  async pendingInvitationEmail(workspaceId: string, invitationId: string): Promise<string | undefined> {
    const i = await this.prisma.invitation.findFirst({ where: { id: invitationId, organizationId: workspaceId, status: 'pending' }, select: { email: true } });
    return i?.email;
  }

  async members(workspaceId: string) {
    return this.prisma.member.findMany({ where: { organizationId: workspaceId }, include: { user: { select: { name: true, email: true } } }, orderBy: { createdAt: 'asc' } });
  }

  async pendingInvitations(workspaceId: string) {
    return this.prisma.invitation.findMany({ where: { organizationId: workspaceId, status: 'pending', expiresAt: { gt: new Date() } }, orderBy: { createdAt: 'desc' } });
  }

  async invitation(id: string) {
    return this.prisma.invitation.findUnique({ where: { id }, include: { organization: { select: { name: true, slug: true } }, inviter: { select: { name: true, email: true } } } });
  }
}
