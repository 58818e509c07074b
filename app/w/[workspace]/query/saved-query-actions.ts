'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { queryPath } from '@/app/_components/paths';
import { displayName } from '@/lib/auth/display-name';
import { parseInput, WorkspaceSlug } from '@/lib/server/action-input';
import { runAction, type ActionResult } from '@/lib/server/action-result';
import { recordActivity } from '@/lib/server/activity';
import { requireWorkspace } from '@/lib/server/guard';
import { changeableBy, requireChangeableQuery } from '@/lib/server/saved-queries';
import { getStore } from '@/lib/server/store';

/** Trimmed, nothing hidden (lib/auth/display-name.ts); the store compares names by nameKey. */
const Name = displayName('a saved query name', 100);
/** Kept as typed: the server only stores it, the browser runs it. */
const Sql = z.string().max(100_000, 'a saved query is at most 100,000 characters').regex(/\S/, 'there is no SQL to save');
const Target = z.object({ workspace: WorkspaceSlug, id: z.uuid() });

const SaveInput = z.object({ workspace: WorkspaceSlug, name: Name, sql: Sql });

/** Saves the SQL under a name; saving again under that name replaces its SQL (if the caller may change that query). */
export async function saveQuery(input: z.input<typeof SaveInput>): Promise<ActionResult<{ id: string; name: string }>> {
  return runAction(async () => {
    const { workspace, name, sql } = parseInput(SaveInput, input);
    const access = await requireWorkspace(workspace, { savedQuery: 'save' });
    const saved = await (await getStore()).savedQueries.save({ workspaceId: access.workspace.id, name, sql, userId: access.viewer.id, mayReplace: changeableBy(access) });
    await recordActivity(access, 'query.save', saved.name);
    revalidatePath(queryPath(workspace));
    return { id: saved.id, name: saved.name };
  });
}

const RenameInput = Target.extend({ name: Name });

export async function renameSavedQuery(input: z.input<typeof RenameInput>): Promise<ActionResult<{ id: string; name: string }>> {
  return runAction(async () => {
    const { workspace, id, name } = parseInput(RenameInput, input);
    const access = await requireWorkspace(workspace, { savedQuery: 'save' });
    const query = await requireChangeableQuery(access, id);
    const renamed = await (await getStore()).savedQueries.rename(access.workspace.id, id, name);
    await recordActivity(access, 'query.rename', renamed.name, { from: query.name });
    revalidatePath(queryPath(workspace));
    return { id, name: renamed.name };
  });
}

export async function deleteSavedQuery(input: z.input<typeof Target>): Promise<ActionResult> {
  return runAction(async () => {
    const { workspace, id } = parseInput(Target, input);
    const access = await requireWorkspace(workspace, { savedQuery: 'save' });
    const query = await requireChangeableQuery(access, id);
    await (await getStore()).savedQueries.delete(access.workspace.id, id);
    await recordActivity(access, 'query.delete', query.name);
    revalidatePath(queryPath(workspace));
    return undefined;
  });
}
