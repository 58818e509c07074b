import { describe, expect, it } from 'vitest';
import { parseManifest, serializeManifest, type DatasetSnapshot } from '../../../lib/odf';
import { readManifest, validManifestNames } from './fixtures';

describe('serializeManifest', () => {
  it.each(validManifestNames())('round-trips %s: parse → serialize → parse is equal and serialize is stable', (name) => {
    const snapshot = parseManifest(readManifest(name));
    const yaml = serializeManifest(snapshot);
    const reparsed = parseManifest(yaml);
    expect(reparsed).toEqual(snapshot);
    expect(serializeManifest(reparsed)).toBe(yaml);
  });

  it('covers every fixture kind of interest', () => {
    expect(validManifestNames()).toEqual([
      'ddl-legacy-schema.yaml',
      'ddl-schema.yaml',
      'derivative.yaml',
      'fetch-container.yaml',
      'fetch-ethereum-logs.yaml',
      'fetch-files-glob.yaml',
      'fetch-url.yaml',
      'kamu-temp.yaml',
      'mqtt-full.yaml',
      'mqtt-lowercase-kinds.yaml',
      'mqtt-temp.json',
      'push-source-events.yaml',
    ]);
  });

  it('writes the canonical form of the kamu example: PascalCase kinds, legacy DDL as ddlSchema', () => {
    expect(serializeManifest(parseManifest(readManifest('kamu-temp.yaml')))).toBe(
      [
        'kind: DatasetSnapshot',
        'version: 1',
        'content:',
        '  name: temp',
        '  kind: Root',
        '  metadata:',
        '    - kind: SetPollingSource',
        '      fetch:',
        '        kind: Mqtt',
        '        host: 127.0.0.1',
        '        port: 1883',
        '        topics:',
        '          - path: dev.kamu.example.mqtt.temp',
        '            qos: AtMostOnce',
        '      read:',
        '        kind: NdJson',
        '        ddlSchema:',
        '          - event_time TIMESTAMP',
        '          - value FLOAT',
        '      merge:',
        '        kind: Ledger',
        '        primaryKey:',
        '          - event_time',
        '',
      ].join('\n'),
    );
  });

  it("orders keys as Kamu does and omits absent or undefined optional fields, whatever the input's order", () => {
    const snapshot = {
      metadata: [
        {
          merge: { primaryKey: ['id'], kind: 'Snapshot', compareColumns: undefined },
          read: { schema: { fields: [{ type: { kind: 'String' }, name: 'id' }] }, header: true, kind: 'Csv' },
          fetch: { topics: [{ qos: 'ExactlyOnce', path: 'a/b' }], username: undefined, port: 1884, host: 'h', kind: 'Mqtt' },
          kind: 'SetPollingSource',
        },
      ],
      kind: 'Root',
      name: 'ordered',
    } as DatasetSnapshot;
    expect(serializeManifest(snapshot)).toBe(
      [
        'kind: DatasetSnapshot',
        'version: 1',
        'content:',
        '  name: ordered',
        '  kind: Root',
        '  metadata:',
        '    - kind: SetPollingSource',
        '      fetch:',
        '        kind: Mqtt',
        '        host: h',
        '        port: 1884',
        '        topics:',
        '          - path: a/b',
        '            qos: ExactlyOnce',
        '      read:',
        '        kind: Csv',
        '        header: true',
        '        schema:',
        '          fields:',
        '            - name: id',
        '              type:',
        '                kind: String',
        '      merge:',
        '        kind: Snapshot',
        '        primaryKey:',
        '          - id',
        '',
      ].join('\n'),
    );
  });

  it('keeps templates verbatim, quotes the Null kind and writes multi-line SQL as a block', () => {
    const snapshot = parseManifest(readManifest('fetch-url.yaml'));
    const yaml = serializeManifest(snapshot);
    expect(yaml).toContain("        url: https://example.org/data/${{ env.DATASET_ID || 'population' }}.csv.gz\n");
    expect(yaml).toContain('          - query: |-\n              select\n                cast(year as int) as year,\n');
    const withNull = serializeManifest(parseManifest(readManifest('push-source-events.yaml')));
    expect(withNull).toContain('          - name: nothing\n            type:\n              kind: "Null"\n');
  });

  it('rejects a value that is not a valid DatasetSnapshot', () => {
    const invalid = { name: 'bad name', kind: 'Root', metadata: [] } as DatasetSnapshot;
    expect(() => serializeManifest(invalid)).toThrow(
      'serializeManifest: not a valid DatasetSnapshot:\n  content.name: invalid dataset name "bad name"',
    );
  });
});
