import { describe, expect, it } from 'vitest';
import { parseManifest, type DatasetSnapshot, type SetPollingSource } from '../../../lib/odf';
import { patchManifestYaml } from '../../../lib/odf/patch-manifest-yaml';
import { readManifest } from './fixtures';

/** Applies an edit to the parsed manifest, as the step form does, and patches the text with it. */
function edit(text: string, fn: (source: Record<string, any>) => void): string {
  const before = parseManifest(text);
  const after: DatasetSnapshot = structuredClone(before);
  fn(after.metadata.findLast((e) => e.kind === 'SetPollingSource') as SetPollingSource);
  return patchManifestYaml(text, before, after)!;
}

const changedLines = (a: string, b: string) => {
  const [x, y] = [a.split('\n'), b.split('\n')];
  return y.filter((line, i) => line !== x[i]);
};

describe('patchManifestYaml', () => {
  const kamu = readManifest('kamu-temp.yaml');

  it("changes only the edited line: Kamu's DDL list stays under schema", () => {
    const text = edit(kamu, (s) => void (s.fetch.port = 1884));
    expect(changedLines(kamu, text)).toEqual(['        port: 1884']);
    expect(text).not.toContain('ddlSchema');
  });

  it('adds and removes DDL columns where the list is, and the result parses', () => {
    const added = edit(kamu, (s) => s.read.ddlSchema.push('device STRING'));
    expect(added).toContain('        schema:\n          - event_time TIMESTAMP\n          - value FLOAT\n          - device STRING\n');
    expect(added).not.toContain('ddlSchema');
    expect((parseManifest(added).metadata[0] as SetPollingSource).read.ddlSchema).toEqual(['event_time TIMESTAMP', 'value FLOAT', 'device STRING']);
    // Added empty (the form's Add field), then typed: written plain, not left quoted like "".
    // (The half-filled text does not parse: the form keeps its own snapshot, as the editor does.)
    const parsed = parseManifest(kamu);
    const [empty, device] = [structuredClone(parsed), structuredClone(parsed)];
    (empty.metadata[0] as SetPollingSource).read.ddlSchema!.push('');
    (device.metadata[0] as SetPollingSource).read.ddlSchema!.push('device STRING');
    expect(patchManifestYaml(patchManifestYaml(kamu, parsed, empty)!, empty, device)).toBe(added);
    const removed = edit(added, (s) => s.read.ddlSchema.splice(0, 1));
    expect(removed).toContain('        schema:\n          - value FLOAT\n          - device STRING\n');
  });

  it('keeps the schema when the payload format changes, and comments everywhere', () => {
    const commented = kamu.replace('      read:', '      # how payloads are read\n      read:');
    const text = edit(commented, (s) => void (s.read = { kind: 'Json', schema: s.read.schema, ddlSchema: s.read.ddlSchema }));
    expect(changedLines(commented, text)).toEqual(['        kind: Json']);
  });

  it('expands a short form the edit needs as a mapping', () => {
    const short = readManifest('mqtt-temp.json');
    const text = edit(short, (s) => void (s.read.schema.fields[1].type = { kind: 'Option', inner: { kind: 'Float64' } }));
    expect(text).toContain('            - name: value\n              type:\n                kind: Option\n                inner:\n                  kind: Float64\n');
  });

  it('edits an imported JSON manifest as block YAML', () => {
    const json = readManifest('mqtt-temp.json');
    const text = edit(json, (s) => void (s.fetch.host = 'broker.local'));
    expect(text).toContain('      host: broker.local\n');
    expect(parseManifest(text).metadata[0]).toMatchObject({ fetch: { host: 'broker.local' }, read: { schema: { fields: [{ name: 'event_time' }, { name: 'value' }] } } });
  });

  it('leaves text that is not YAML to the caller', () => {
    const before = parseManifest(kamu);
    expect(patchManifestYaml('a: [', before, before)).toBeUndefined();
  });
});
