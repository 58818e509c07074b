import { z } from 'zod';
import { WORKSPACE_SLUG_PATTERN, WORKSPACE_SLUG_RULE } from '../auth/account-policy';
import { SluiceError } from '../errors';

/** Form and action input is untrusted: parsed here, typed after. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new SluiceError('INVALID_INPUT', r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  return r.data;
}

export const WorkspaceSlug = z.string().regex(WORKSPACE_SLUG_PATTERN, WORKSPACE_SLUG_RULE);
export const DatasetName = z.string().min(1).max(200);
/** Which dataset an action is about; the guard decides whether the caller may. */
export const DatasetTarget = z.object({ workspace: WorkspaceSlug, dataset: DatasetName });
export type DatasetTarget = z.infer<typeof DatasetTarget>;
