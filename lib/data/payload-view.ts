/**
 * How a raw MQTT payload is shown to a person (console preview, quarantine, CLI): pretty JSON when
 * it parses, text when it is printable UTF-8, else hex. Works on plain Uint8Array (browser too).
 */
export type PayloadView = { kind: 'json' | 'text' | 'hex'; text: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function payloadView(bytes: Uint8Array, opts: { maxHexBytes?: number } = {}): PayloadView {
  const text = printableText(bytes);
  if (text === undefined) return { kind: 'hex', text: toHex(bytes, opts.maxHexBytes ?? 4096) };
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(trimmed), null, 2) };
    } catch {
      // Not JSON after all: shown as the text it is.
    }
  }
  return { kind: 'text', text };
}

/** The payload as UTF-8 text, or undefined if it is not valid UTF-8 or holds control characters. */
export function printableText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  return /[\x00-\x08\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}

/** Space-separated hex bytes, cut at `max` bytes with a note of how many were left out. */
export function toHex(bytes: Uint8Array, max: number): string {
  const shown = bytes.subarray(0, max);
  let out = '';
  for (let i = 0; i < shown.length; i++) out += (i ? ' ' : '') + shown[i].toString(16).padStart(2, '0');
  return bytes.length > max ? `${out} … (${bytes.length - max} more bytes)` : out;
}
