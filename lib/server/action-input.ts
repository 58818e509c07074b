import { z } from 'zod';
import { SluiceError } from '../errors';

/** Form and action input is untrusted: parsed here, typed after. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new SluiceError('INVALID_INPUT', r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  return r.data;
}

export const WorkspaceSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'a workspace slug is lower-case letters, digits and dashes');
export const DatasetName = z.string().min(1).max(200);
/** Which dataset an action is about; the guard decides whether the caller may. */
export const DatasetTarget = z.object({ workspace: WorkspaceSlug, dataset: DatasetName });
export type DatasetTarget = z.infer<typeof DatasetTarget>;
