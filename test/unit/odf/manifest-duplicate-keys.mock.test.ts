import { describe, expect, it, vi } from 'vitest';

// What parseManifest asks yaml to do: its duplicate-key check compares each key with every earlier
// one of its mapping (quadratic: 70,000 keys held the event loop 147 s), so it must be off.
const composed: { uniqueKeys?: unknown }[] = [];
vi.mock('yaml', async (importOriginal) => {
  const yaml = await importOriginal<typeof import('yaml')>();
  return {
    ...yaml,
    parseAllDocuments: (...args: Parameters<typeof yaml.parseAllDocuments>) => {
      composed.push({ uniqueKeys: (args[1] as { uniqueKeys?: unknown } | undefined)?.uniqueKeys });
      return yaml.parseAllDocuments(...args);
    },
  };
});

const { ManifestError, parseManifest } = await import('../../../lib/odf');

describe('parseManifest: duplicate keys in linear work', () => {
  it("turns yaml's quadratic check off and still refuses a repeat among 9,000 keys of one mapping, at the repeat", () => {
    const keys = Array.from({ length: 9000 }, (_, i) => `  k${i}: ${i}`).join('\n');
    const text = `kind: DatasetSnapshot\nversion: 1\ncontent:\n${keys}\n  k17: again\n`;
    let error: unknown;
    try {
      parseManifest(text);
    } catch (err) {
      error = err;
    }
    expect(composed).toEqual([{ uniqueKeys: false }]);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as InstanceType<typeof ManifestError>).issues).toEqual([
      { path: ['content', 'k17'], line: 9004, column: 3, message: 'content.k17: duplicate key; it is first given at line 21, column 3' },
    ]);
  });
});
