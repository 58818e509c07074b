import { describe, expect, it, vi } from 'vitest';
import { splitManifestDocuments } from '../../../lib/odf/split-manifest-documents';

describe('splitManifestDocuments: a YAML stream, document by document (kamu add reads stdin so)', () => {
  it('splits at --- and gives each document the line it starts on', () => {
    expect(splitManifestDocuments('a: 1\n---\nb: 2\n---\n\nc: 3\n')).toEqual([
      { line: 1, text: 'a: 1\n' },
      { line: 2, text: '---\nb: 2\n' },
      { line: 4, text: '---\n\nc: 3\n' },
    ]);
  });

  it('leaves out documents with nothing but comments, and keeps a directive with its document', () => {
    expect(splitManifestDocuments('---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n---\n# nothing\n')).toEqual([
      { line: 1, text: '---\na: 1\n...\n' },
      { line: 4, text: '%YAML 1.2\n---\nb: 2\n' },
    ]);
  });

  it('gives an empty text as one document, for parseManifest to call empty', () => {
    expect(splitManifestDocuments('# only a comment\n')).toEqual([{ line: 1, text: '# only a comment\n' }]);
  });

  it('looks for line ends in linear work: each newline of a stream of many documents is found once', () => {
    // 2,000 one-key documents (4,000 lines). Counting every document's line from the text's start
    // searched 4 million newlines here, and held the CLI 17 s for 40,000 documents (550 KB).
    const text = Array.from({ length: 2000 }, (_, i) => `---\na${i}: 1\n`).join('');
    let searches = 0;
    const indexOf = String.prototype.indexOf;
    const spy = vi.spyOn(String.prototype, 'indexOf').mockImplementation(function (this: string, ...args: [string, number?]) {
      if (args[0] === '\n' && this.length === text.length) searches++;
      return indexOf.apply(this, args);
    });
    try {
      const documents = splitManifestDocuments(text);
      expect(documents).toHaveLength(2000);
      expect(documents.at(-1)).toEqual({ line: 3999, text: '---\na1999: 1\n' });
    } finally {
      spy.mockRestore();
    }
    expect(searches).toBeLessThanOrEqual(4 * 4000); // linear (about 10,000); 4,004,000 when quadratic
  });
});
