import { randomUUID } from 'node:crypto';
import { nameKey } from '../auth/display-name';
import { SluiceError } from '../errors';
import type { PrismaClient } from './prisma';
import { uniqueName } from './unique-violation';

export interface SavedQuery {
  id: string;
  workspaceId: string;
  name: string;
  sql: string;
  createdByUserId: string | null;
  /** The account that saved it first; null once that account is deleted. */
  author: { name: string; email: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

const withAuthor = { createdBy: { select: { name: true, email: true } } } as const;

/**
 * Named queries of a workspace's query page. Every lookup is scoped by workspace, so an id from
 * another workspace is simply not found. Who may change which query is the caller's decision
 * (lib/auth/saved-query-access.ts); `save` asks it about the query it would replace.
 */
export class SavedQueryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The workspace's queries in name order. */
  async list(workspaceId: string): Promise<SavedQuery[]> {
    const rows = await this.prisma.savedQuery.findMany({ where: { workspaceId }, include: withAuthor, orderBy: { name: 'asc' } });
    return rows.map(toSavedQuery);
  }

  async find(workspaceId: string, id: string): Promise<SavedQuery | undefined> {
    const row = await this.prisma.savedQuery.findFirst({ where: { id, workspaceId }, include: withAuthor });
    return row ? toSavedQuery(row) : undefined;
  }

  /**
   * Saves under `name`: a new query, or the SQL of the query already of that name (its author
   * and spelling stay) when `mayReplace` allows it; otherwise SAVED_QUERY_EXISTS. Names are one
   * name when their nameKey is ("DAILY REPORT" is "Daily report").
   */
  async save(a: { workspaceId: string; name: string; sql: string; userId: string; mayReplace: (existing: SavedQuery) => boolean }): Promise<SavedQuery> {
    const existing = await this.prisma.savedQuery.findUnique({ where: { workspaceId_nameKey: { workspaceId: a.workspaceId, nameKey: nameKey(a.name) } }, include: withAuthor });
    if (existing) {
      if (!a.mayReplace(toSavedQuery(existing))) throw nameTaken(existing.name);
      return toSavedQuery(await this.prisma.savedQuery.update({ where: { id: existing.id }, data: { sql: a.sql }, include: withAuthor }));
    }
    // Another save of the same name may land between the lookup and this insert; the unique
    // index then refuses it rather than letting one silently replace the other.
    const created = await uniqueName(
      () =>
        this.prisma.savedQuery.create({ data: { id: randomUUID(), workspaceId: a.workspaceId, name: a.name, nameKey: nameKey(a.name), sql: a.sql, createdByUserId: a.userId }, include: withAuthor }),
      () => nameTaken(a.name),
    );
    return toSavedQuery(created);
  }

  async rename(workspaceId: string, id: string, name: string): Promise<SavedQuery> {
    const r = await uniqueName(
      () => this.prisma.savedQuery.updateManyAndReturn({ where: { id, workspaceId }, data: { name, nameKey: nameKey(name) }, include: withAuthor }),
      () => nameTaken(name),
    );
    if (!r[0]) throw savedQueryNotFound();
    return toSavedQuery(r[0]);
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    const r = await this.prisma.savedQuery.deleteMany({ where: { id, workspaceId } });
    if (r.count === 0) throw savedQueryNotFound();
  }
}

type Row = Omit<SavedQuery, 'author'> & { nameKey: string; createdBy: { name: string; email: string } | null };

function toSavedQuery({ createdBy, nameKey: _key, ...row }: Row): SavedQuery {
  return { ...row, author: createdBy };
}

/** An id that is not a query of the workspace: deleted, or another workspace's (not told apart, so nothing leaks). */
export function savedQueryNotFound(): SluiceError {
  return new SluiceError('SAVED_QUERY_NOT_FOUND', 'no such saved query in this workspace (it may have been deleted)');
}

function nameTaken(name: string): SluiceError {
  return new SluiceError('SAVED_QUERY_EXISTS', `another saved query is named "${name}"; choose another name`);
}

