import type { JsonValue } from '../data/row';
import type { PrismaClient } from './prisma';

export interface ActivityEntry {
  workspaceId: string;
  actor: { id: string; email: string } | null;
  /** e.g. dataset.create, dataset.pull, member.role (see lib/server/activity.ts). */
  action: string;
  target: string;
  detail?: Record<string, JsonValue>;
}

/** The per-workspace activity log: who did what to which dataset or member, and when. */
export class ActivityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async record(e: ActivityEntry): Promise<void> {
    await this.prisma.activity.create({
      data: { workspaceId: e.workspaceId, actorId: e.actor?.id, actorEmail: e.actor?.email, action: e.action, target: e.target, detail: e.detail ?? undefined },
    });
  }

  async list(workspaceId: string, take = 200) {
    return this.prisma.activity.findMany({ where: { workspaceId }, orderBy: { id: 'desc' }, take });
  }
}
