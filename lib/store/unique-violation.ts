import type { SluiceError } from '../errors';

/** Prisma's unique-constraint error (P2002), however the driver adapter surfaces it. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

/**
 * Runs a write that sets a unique name, turning a unique-index violation into the caller's typed
 * "already exists" error: a check before the write cannot see a concurrent create of the same name
 * (six console tabs, two CLI runs), and the index's refusal reached users as INTERNAL.
 */
export async function uniqueName<T>(write: () => Promise<T>, exists: () => SluiceError): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
}
