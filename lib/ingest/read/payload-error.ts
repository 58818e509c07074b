/**
 * A message that cannot become rows. Readers throw it; `readMessage` turns it into a quarantine
 * reason. `message` is the reason as shown to the user.
 */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Prefixes a reason with the 1-based record position when the message holds several records. */
export function atRecord(index: number, total: number, reason: string): string {
  return total > 1 ? `record ${index + 1} of ${total}: ${reason}` : reason;
}

/** JSON kind of a parsed value, for messages: "array", "null", "string", … */
export function jsonKind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
