import { describe, expect, it } from 'vitest';
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
});
