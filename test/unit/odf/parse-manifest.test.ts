import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest, type ManifestIssue } from '../../../lib/odf';
import { readManifest } from './fixtures';

/** The issues of the ManifestError `text` must raise. */
function issuesOf(text: string): ManifestIssue[] {
  try {
    parseManifest(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).issues;
  }
  throw new Error('expected parseManifest to throw');
}

/** A one-event Root manifest whose SetPollingSource body is `body` (indented 6 spaces, starting at line 8). */
function pollingManifest(body: string): string {
  return [
    'kind: DatasetSnapshot',
    'version: 1',
    'content:',
    '  name: temp',
    '  kind: Root',
    '  metadata:',
    '    - kind: SetPollingSource',
    ...body.split('\n').map((line) => `      ${line}`),
  ].join('\n');
}

const MQTT_FETCH = 'fetch:\n  kind: Mqtt\n  host: 127.0.0.1\n  port: 1883\n  topics:\n    - path: t';
const NDJSON_APPEND = 'read:\n  kind: NdJson\nmerge:\n  kind: Append';

/** An MQTT → NdJson manifest whose read schema has the given `fields:` entries (first entry at line 18). */
function schemaManifest(...fieldLines: string[]): string {
  const fields = fieldLines.map((line) => `      ${line}`).join('\n');
  return pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  schema:\n    fields:\n${fields}\nmerge:\n  kind: Append`);
}

describe('parseManifest: valid manifests', () => {
  it("parses the shape of kamu's examples/mqtt/temp.yaml (lower-case kind, legacy DDL schema)", () => {
    expect(parseManifest(readManifest('kamu-temp.yaml'))).toEqual({
      name: 'temp',
      kind: 'Root',
      metadata: [
        {
          kind: 'SetPollingSource',
          fetch: {
            kind: 'Mqtt',
            host: '127.0.0.1',
            port: 1883,
            topics: [{ path: 'dev.kamu.example.mqtt.temp', qos: 'AtMostOnce' }],
          },
          read: { kind: 'NdJson', ddlSchema: ['event_time TIMESTAMP', 'value FLOAT'] },
          merge: { kind: 'Ledger', primaryKey: ['event_time'] },
        },
      ],
    });
  });

  it('parses the full MQTT example of spec 1.5, keeping the password template and absent fields absent', () => {
    const snapshot = parseManifest(readManifest('mqtt-full.yaml'));
    expect(snapshot).toEqual({
      name: 'sensors.temperature',
      kind: 'Root',
      metadata: [
        {
          kind: 'SetPollingSource',
          fetch: {
            kind: 'Mqtt',
            host: 'broker.example.org',
            port: 1883,
            username: 'kamu',
            password: '${{ env.MQTT_PASSWORD }}',
            topics: [
              { path: 'sensors/+/temperature', qos: 'AtLeastOnce' },
              { path: 'sensors/legacy/temperature' },
            ],
          },
          read: {
            kind: 'NdJson',
            schema: {
              fields: [
                { name: 'event_time', type: { kind: 'Timestamp' } },
                { name: 'device_id', type: { kind: 'String' } },
                { name: 'value', type: { kind: 'Option', inner: { kind: 'Float64' } } },
              ],
            },
          },
          preprocess: { kind: 'Sql', engine: 'datafusion', query: 'select event_time, device_id, value from input' },
          merge: { kind: 'Ledger', primaryKey: ['event_time', 'device_id'] },
        },
        { kind: 'SetInfo', description: 'Temperature readings collected from an MQTT broker', keywords: ['IoT', 'MQTT'] },
      ],
    });
    const source = snapshot.metadata[0];
    if (source.kind !== 'SetPollingSource' || source.fetch.kind !== 'Mqtt') throw new Error('unexpected fixture');
    // The default qos is not filled in: absent stays absent.
    expect(Object.keys(source.fetch.topics[1])).toEqual(['path']);
  });

  it('normalises lowerCamel and all-lowercase aliases to the canonical PascalCase spelling', () => {
    const snapshot = parseManifest(readManifest('mqtt-lowercase-kinds.yaml'));
    expect(snapshot.name).toBe('acme/sensors.humidity');
    expect(snapshot.kind).toBe('Root');
    expect(snapshot.metadata.map((event) => event.kind)).toEqual(['SetPollingSource', 'SetVocab', 'SetInfo']);
    const source = snapshot.metadata[0];
    if (source.kind !== 'SetPollingSource') throw new Error('unreachable');
    expect(source.fetch).toEqual({
      kind: 'Mqtt',
      host: 'localhost',
      port: 1883,
      topics: [
        { path: 'sensors/#', qos: 'AtLeastOnce' },
        { path: 'alerts/+', qos: 'ExactlyOnce' },
      ],
    });
    expect(source.read).toEqual({
      kind: 'NdJson',
      schema: {
        fields: [
          { name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } },
          { name: 'sensor', type: { kind: 'String' } },
          { name: 'humidity', type: { kind: 'Option', inner: { kind: 'Float32' } } },
          { name: 'flags', type: { kind: 'List', itemType: { kind: 'UInt8' } } },
        ],
      },
    });
    expect(source.merge).toEqual({ kind: 'Ledger', primaryKey: ['event_time', 'sensor'] });
  });

  it('accepts the short forms of DataType, EventTimeSource and SourceCaching', () => {
    const snapshot = parseManifest(readManifest('fetch-url.yaml'));
    const source = snapshot.metadata[0];
    if (source.kind !== 'SetPollingSource' || source.fetch.kind !== 'Url') throw new Error('unexpected fixture');
    expect(source.fetch.eventTime).toEqual({ kind: 'FromSystemTime' });
    expect(source.fetch.cache).toEqual({ kind: 'Forever' });
    expect(source.read.schema?.fields[0]).toEqual({ name: 'year', type: { kind: 'Int32' } });
  });

  it('reads `type: Null` as the ODF Null type, not as a YAML null', () => {
    const snapshot = parseManifest(readManifest('push-source-events.yaml'));
    const setSchema = snapshot.metadata.find((event) => event.kind === 'SetDataSchema');
    expect(setSchema).toMatchObject({ schema: { fields: expect.arrayContaining([{ name: 'nothing', type: { kind: 'Null' } }]) } });
  });

  it('accepts JSON text with the same shape', () => {
    const snapshot = parseManifest(readManifest('mqtt-temp.json'));
    const source = snapshot.metadata[0];
    if (source.kind !== 'SetPollingSource') throw new Error('unexpected fixture');
    expect(source.read).toEqual({
      kind: 'NdJson',
      schema: {
        fields: [
          { name: 'event_time', type: { kind: 'Timestamp' } },
          { name: 'value', type: { kind: 'Float32' } },
        ],
      },
    });
  });

  it('moves the legacy DDL list under `schema` to `ddlSchema`', () => {
    const snapshot = parseManifest(readManifest('ddl-legacy-schema.yaml'));
    const source = snapshot.metadata[0];
    if (source.kind !== 'SetPollingSource') throw new Error('unexpected fixture');
    expect(source.read).toEqual({
      kind: 'Csv',
      ddlSchema: ['station_id INT NOT NULL', 'name STRING', 'active BOOLEAN'],
      separator: ';',
      header: true,
    });
    expect(Object.keys(source.read)).toEqual(['kind', 'ddlSchema', 'separator', 'header']);
  });

  it('accepts every dataset name form: name, dotted name, account/name', () => {
    for (const name of ['temp', 'a1', 'com.example.population', 'my-org/sensors.temp-1', 'A.B']) {
      expect(parseManifest(`kind: DatasetSnapshot\nversion: 1\ncontent: {name: ${name}, kind: Root, metadata: []}`).name).toBe(name);
    }
  });
});

describe('parseManifest: strict keys', () => {
  it('reports an unknown key at the key, with the allowed keys', () => {
    const issues = issuesOf(readManifest('invalid/unknown-key.yaml'));
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'hots'],
        line: 12,
        column: 9,
        message: 'unknown key "hots" in fetch (Mqtt); expected one of host, port, username, password, topics',
      },
    ]);
  });

  it('reports unknown keys in nested objects and in kind-only variants', () => {
    const issues = issuesOf(
      pollingManifest(
        [
          'fetch:',
          '  kind: Mqtt',
          '  host: h',
          '  port: 1883',
          '  topics:',
          '    - path: t',
          '      qos: AtMostOnce',
          '      retain: true',
          'read:',
          '  kind: NdJson',
          'merge:',
          '  kind: Append',
          '  primaryKey: [a]',
        ].join('\n'),
      ),
    );
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'topics', 0, 'retain'],
        line: 15,
        column: 13,
        message: 'unknown key "retain" in topic subscription; expected one of path, qos',
      },
      {
        path: ['content', 'metadata', 0, 'merge', 'primaryKey'],
        line: 20,
        column: 9,
        message: 'unknown key "primaryKey" in merge (Append); no other keys are allowed',
      },
    ]);
  });

  it('names all unknown keys of one object in one issue, located at the first', () => {
    const issues = issuesOf('kind: DatasetSnapshot\nversion: 1\ncontent: {name: t, kind: Root, metadata: []}\nextra1: 1\nextra2: 2');
    expect(issues).toEqual([
      {
        path: ['extra1'],
        line: 4,
        column: 1,
        message: 'unknown keys "extra1", "extra2" in manifest; expected one of kind, version, content',
      },
    ]);
  });

  it('rejects an unknown key inside a DataType written in flow style', () => {
    const issues = issuesOf(schemaManifest('- {name: v, type: {kind: Timestamp, unit: Second, tz: UTC}}'));
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'read', 'schema', 'fields', 0, 'type', 'tz'],
        line: 18,
        column: 63,
        message: 'unknown key "tz" in type (Timestamp); expected one of unit, timezone',
      },
    ]);
  });
});

describe('parseManifest: kinds and enum values', () => {
  it('reports an unknown kind at its value, listing the kinds', () => {
    const issues = issuesOf(readManifest('invalid/unknown-kind.yaml'));
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'kind'],
        line: 9,
        column: 15,
        message: 'fetch.kind: unknown kind "Mqt"; expected one of Url, FilesGlob, Container, Mqtt, EthereumLogs',
      },
    ]);
  });

  it('does not accept other capitalisations than the canonical and alias ones', () => {
    const issues = issuesOf(pollingManifest(`fetch:\n  kind: MQTT\n  host: h\n  port: 1883\n  topics: [{path: t}]\n${NDJSON_APPEND}`));
    expect(issues.map((issue) => issue.message)).toEqual([
      'fetch.kind: unknown kind "MQTT"; expected one of Url, FilesGlob, Container, Mqtt, EthereumLogs',
    ]);
  });

  it('reports a missing kind at the key that names the object', () => {
    const issues = issuesOf(pollingManifest(`fetch:\n  host: h\n${NDJSON_APPEND}`));
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'kind'],
        line: 8,
        column: 7,
        message: 'fetch.kind: missing "kind"; expected one of Url, FilesGlob, Container, Mqtt, EthereumLogs',
      },
    ]);
  });

  it('reports an unknown enum value with the allowed values', () => {
    const issues = issuesOf(
      pollingManifest(`fetch:\n  kind: Mqtt\n  host: h\n  port: 1883\n  topics:\n    - path: t\n      qos: AtMost\n${NDJSON_APPEND}`),
    );
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'topics', 0, 'qos'],
        line: 14,
        column: 18,
        message: 'topics[0].qos: unknown value "AtMost"; expected one of AtMostOnce, AtLeastOnce, ExactlyOnce',
      },
    ]);
  });

  it('reports an unknown short-form type at the bare string', () => {
    const issues = issuesOf(schemaManifest('- name: v', '  type: Strng'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      line: 19,
      column: 21,
      path: ['content', 'metadata', 0, 'read', 'schema', 'fields', 0, 'type', 'kind'],
    });
    expect(issues[0].message).toMatch(/^type\.kind: unknown kind "Strng"; expected one of Binary, Bool, Date, /);
  });

  it('rejects a short form for a variant with required fields', () => {
    const issues = issuesOf(schemaManifest('- name: v', '  type: Decimal'));
    expect(issues.map(({ line, column, message }) => ({ line, column, message }))).toEqual([
      { line: 19, column: 21, message: 'type.precision: required field is missing' },
      { line: 19, column: 21, message: 'type.scale: required field is missing' },
    ]);
  });
});

describe('parseManifest: types and values', () => {
  it('reports wrong value types and missing fields with their positions', () => {
    expect(issuesOf(readManifest('invalid/wrong-types.yaml'))).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'port'],
        line: 11,
        column: 15,
        message: 'fetch.port: expected a number, got string "1883"',
      },
      {
        path: ['content', 'metadata', 0, 'fetch', 'topics'],
        line: 12,
        column: 17,
        message: 'fetch.topics: expected a list, got string "dev.kamu.example.mqtt.temp"',
      },
      {
        path: ['content', 'metadata', 0, 'read', 'header'],
        line: 15,
        column: 17,
        message: 'read.header: expected true or false, got string "yes"',
      },
      {
        path: ['content', 'metadata', 0, 'merge', 'primaryKey'],
        line: 16,
        column: 7,
        message: 'merge.primaryKey: required field is missing',
      },
    ]);
  });

  it('checks the port range, integer-ness, topics and topic filters', () => {
    const messages = (fetch: string) => issuesOf(pollingManifest(`${fetch}\n${NDJSON_APPEND}`)).map((issue) => issue.message);
    expect(messages('fetch: {kind: Mqtt, host: h, port: 0, topics: [{path: t}]}')).toEqual([
      'fetch.port: expected a TCP port between 1 and 65535',
    ]);
    expect(messages('fetch: {kind: Mqtt, host: h, port: 70000, topics: [{path: t}]}')).toEqual([
      'fetch.port: expected a TCP port between 1 and 65535',
    ]);
    expect(messages('fetch: {kind: Mqtt, host: h, port: 18.5, topics: [{path: t}]}')).toEqual([
      'fetch.port: expected an integer, got number 18.5',
    ]);
    expect(messages('fetch: {kind: Mqtt, host: h, port: 1883, topics: []}')).toEqual([
      'fetch.topics: subscribe to at least one topic',
    ]);
    expect(messages('fetch: {kind: Mqtt, host: h, port: 1883, topics: [{path: "a/#/b"}, {path: "a/b+"}]}')).toEqual([
      'topics[0].path: invalid MQTT topic filter "a/#/b"; "+" and "#" must fill a whole level and "#" must be last',
      'topics[1].path: invalid MQTT topic filter "a/b+"; "+" and "#" must fill a whole level and "#" must be last',
    ]);
    expect(messages('fetch: {kind: Mqtt, host: "", port: 1883, topics: [{path: t}]}')).toEqual(['fetch.host: must not be empty']);
  });

  it('rejects invalid dataset names', () => {
    const invalid = ['"my dataset!"', '-temp', 'temp-', 'a..b', 'a/b/c', 'a_b', '""', '/temp'];
    for (const name of invalid) {
      const issues = issuesOf(`kind: DatasetSnapshot\nversion: 1\ncontent:\n  name: ${name}\n  kind: Root\n  metadata: []`);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: ['content', 'name'], line: 4, column: 9 });
      expect(issues[0].message).toMatch(/^content\.name: invalid dataset name .*; expected "name" or "account\/name"/);
    }
    expect(issuesOf(readManifest('invalid/bad-name.yaml'))[0].message).toBe(
      'content.name: invalid dataset name "my dataset!"; expected "name" or "account/name", ' +
        'each made of letters, digits and "-" (not at either end), with "." between segments',
    );
  });

  it('rejects another manifest kind or version', () => {
    expect(issuesOf(readManifest('invalid/wrong-envelope.yaml'))).toEqual([
      { path: ['kind'], line: 1, column: 7, message: 'kind: the manifest kind must be exactly "DatasetSnapshot" (Kamu accepts no other spelling), got "MetadataBlock"' },
      { path: ['version'], line: 2, column: 10, message: 'version: unsupported manifest version 3; expected 1' },
    ]);
  });

  it('rejects DDL it cannot convert, at the offending entry', () => {
    expect(issuesOf(readManifest('invalid/bad-ddl.yaml'))).toEqual([
      {
        path: ['content', 'metadata', 0, 'read', 'ddlSchema', 1],
        line: 18,
        column: 13,
        message:
          'read.ddlSchema[1]: column "id": unsupported DDL type "UUID"; supported types: BOOL, BOOLEAN, INT, INTEGER, ' +
          'INT UNSIGNED, BIGINT, BIGINT UNSIGNED, FLOAT, DOUBLE, STRING, VARCHAR, TEXT, TIMESTAMP, DATE, DECIMAL(p,s), ARRAY<T>',
      },
    ]);
    const legacy = issuesOf(pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  schema:\n    - a TIME\nmerge:\n  kind: Append`));
    expect(legacy.map(({ path, line, column }) => ({ path, line, column }))).toEqual([
      { path: ['content', 'metadata', 0, 'read', 'schema', 0], line: 17, column: 13 },
    ]);
  });

  it('rejects a read step with both schema and ddlSchema, and a schema of the wrong shape', () => {
    const both = issuesOf(
      pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  schema: {fields: []}\n  ddlSchema: [a INT]\nmerge:\n  kind: Append`),
    );
    expect(both.map((issue) => issue.message)).toEqual(['read.ddlSchema: set either schema or ddlSchema, not both']);
    const wrongShape = issuesOf(pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  schema: 5\nmerge:\n  kind: Append`));
    expect(wrongShape.map((issue) => issue.message)).toEqual([
      'read.schema: expected an ODF schema (a mapping with "fields") or a list of DDL column definitions',
    ]);
    const inner = issuesOf(schemaManifest('- name: a'));
    expect(inner.map(({ message, line, column }) => ({ message, line, column }))).toEqual([
      { message: 'fields[0].type: required field is missing', line: 18, column: 15 },
    ]);
  });

  it('checks query / queries of a SQL transform', () => {
    const messages = (preprocess: string) =>
      issuesOf(pollingManifest(`${MQTT_FETCH}\n${NDJSON_APPEND}\npreprocess: ${preprocess}`)).map((issue) => issue.message);
    expect(messages('{kind: Sql, engine: datafusion}')).toEqual(['preprocess.query: set exactly one of query or queries']);
    expect(messages('{kind: Sql, engine: datafusion, query: q, queries: [{query: q}]}')).toEqual([
      'preprocess.query: set exactly one of query or queries',
    ]);
    expect(messages('{kind: Sql, engine: datafusion, queries: [{alias: a, query: q}, {alias: b, query: q}]}')).toEqual([
      'preprocess.queries: exactly one step must have no alias (the output), found 0',
    ]);
  });

  it('allows SetTransform only in Derivative and sources only in Root datasets', () => {
    expect(issuesOf(readManifest('invalid/misplaced-event.yaml'))).toEqual([
      {
        path: ['content', 'metadata', 0, 'kind'],
        line: 7,
        column: 13,
        message: 'metadata[0].kind: SetTransform is not allowed in a Root dataset',
      },
    ]);
    const derivative = pollingManifest(`${MQTT_FETCH}\n${NDJSON_APPEND}`).replace('kind: Root', 'kind: Derivative');
    expect(issuesOf(derivative).map((issue) => issue.message)).toEqual([
      'metadata[0].kind: SetPollingSource is not allowed in a Derivative dataset',
    ]);
  });

  it('rejects events written by the system', () => {
    const issues = issuesOf('kind: DatasetSnapshot\nversion: 1\ncontent:\n  name: t\n  kind: Root\n  metadata:\n    - kind: AddData');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 7, column: 13 });
    expect(issues[0].message).toBe(
      'metadata[0].kind: unknown kind "AddData"; expected one of SetPollingSource, AddPushSource, DisablePollingSource, ' +
        'DisablePushSource, SetTransform, SetVocab, SetInfo, SetLicense, SetAttachments, SetDataSchema',
    );
  });

  it('locates issues in JSON text too', () => {
    const json = '{\n  "kind": "DatasetSnapshot",\n  "version": 1,\n  "content": {"name": "t", "kind": "Rot", "metadata": []}\n}';
    expect(issuesOf(json)).toEqual([
      {
        path: ['content', 'kind'],
        line: 4,
        column: 36,
        message: 'content.kind: unknown value "Rot"; expected one of Root, Derivative',
      },
    ]);
  });
});

describe('parseManifest: documents and syntax', () => {
  it('rejects more than one YAML document, pointing at the second', () => {
    expect(issuesOf(readManifest('invalid/multi-document.yaml'))).toEqual([
      { path: [], line: 7, column: 1, message: 'found 2 YAML documents; a manifest must contain exactly one' },
    ]);
  });

  it('rejects empty text and a document of comments only', () => {
    for (const text of ['', '   \n', '# nothing here\n']) {
      expect(issuesOf(text)).toEqual([
        { path: [], line: 1, column: 1, message: 'the manifest is empty; expected a mapping with kind, version and content' },
      ]);
    }
  });

  it('reports an unclosed list at its opening bracket, not at the end of the file', () => {
    expect(issuesOf(readManifest('invalid/syntax-error.yaml'))).toEqual([
      { path: [], line: 8, column: 17, message: 'this list is never closed: add the closing ] (without it, everything after the [ is read as part of it)' },
    ]);
  });

  it('rejects duplicate keys at the repeat, naming the first, in block and flow mappings', () => {
    const issues = issuesOf(
      'kind: DatasetSnapshot\nversion: 1\nversion: 1\ncontent: {name: t, kind: Root, name: u, metadata: []}',
    );
    expect(issues).toEqual([
      { path: ['version'], line: 3, column: 1, message: 'version: duplicate key; it is first given at line 2, column 1' },
      { path: ['content', 'name'], line: 4, column: 32, message: 'content.name: duplicate key; it is first given at line 4, column 11' },
    ]);
  });

  it('tells keys of different scalar types apart, as yaml does', () => {
    const issues = issuesOf(pollingManifest(`${MQTT_FETCH}\n${NDJSON_APPEND}\nheaders: {1: a, "1": b, true: c, "true": d}`));
    expect(issues.map((issue) => issue.message)).not.toContainEqual(expect.stringContaining('duplicate key'));
  });

  it('rejects a document that is not a mapping', () => {
    expect(issuesOf('- a\n- b')).toEqual([{ path: [], line: 1, column: 1, message: 'manifest: expected a mapping, got a list' }]);
  });

  it('summarises all issues in error.message, one per line', () => {
    const text = readManifest('invalid/wrong-envelope.yaml');
    expect(() => parseManifest(text)).toThrow(
      'Invalid manifest (2 problems):\n' +
        '  line 1, column 7: kind: the manifest kind must be exactly "DatasetSnapshot" (Kamu accepts no other spelling), got "MetadataBlock"\n' +
        '  line 2, column 10: version: unsupported manifest version 3; expected 1',
    );
    try {
      parseManifest(text);
    } catch (error) {
      expect((error as ManifestError).code).toBe('MANIFEST_INVALID');
      expect((error as ManifestError).name).toBe('ManifestError');
    }
  });
});

describe('parseManifest: missing fields', () => {
  it('says "required field is missing" for missing literals, enums and objects alike', () => {
    const issues = issuesOf(
      [
        'kind: DatasetSnapshot',
        'content:',
        '  name: t',
        '  metadata:',
        '    - kind: SetPollingSource',
        '      read: {kind: NdJson}',
        '      merge: {kind: Append}',
      ].join('\n'),
    );
    expect(issues).toEqual([
      { path: ['version'], line: 1, column: 1, message: 'version: required field is missing' },
      { path: ['content', 'kind'], line: 2, column: 1, message: 'content.kind: required field is missing' },
      { path: ['content', 'metadata', 0, 'fetch'], line: 5, column: 7, message: 'metadata[0].fetch: required field is missing' },
    ]);
  });

  it('points an empty value at its key', () => {
    const issues = issuesOf(pollingManifest(`fetch:\n${NDJSON_APPEND}`));
    expect(issues).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch'],
        line: 8,
        column: 7,
        message:
          'metadata[0].fetch: expected a mapping with "kind" (one of Url, FilesGlob, Container, Mqtt, EthereumLogs), got null',
      },
    ]);
  });
});

describe('parseManifest: hostile input', () => {
  it('turns an alias-expansion bomb into a ManifestError', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++) {
      const refs = Array(10).fill(`*${'a'.repeat(i)}`).join(', ');
      levels.push(`${'b'.repeat(i)}: &${'a'.repeat(i + 1)} [${refs}]`);
    }
    expect(issuesOf(levels.join('\n'))).toEqual([
      {
        path: [],
        line: 4,
        column: 55, // the alias that takes the expanded document past 10,000 keys and list items
        message: 'the manifest has more than 10000 keys and list items once its aliases are expanded; at most 10000 are accepted',
      },
    ]);
  });

  it("keeps yaml's own alias guard for anchors that contain aliases", () => {
    // 100 aliases and 2,600 entries once expanded: within our limits, but each use of l repeats 50 aliases
    const text = `s: &s x\nl: &l [${Array(50).fill('*s').join(', ')}]\nm: [${Array(50).fill('*l').join(', ')}]`;
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: [], line: 1, column: 1 });
    expect(issues[0].message).toMatch(/^invalid YAML: Excessive alias count/);
  });
});

/** Kamu's examples/mqtt/temp.yaml (test/fixtures/manifests/kamu-temp.yaml): `host:` on line 10, `port:` on 11. */
const kamuTemp = () => readManifest('kamu-temp.yaml');

describe('parseManifest: the errors found running Kamu manifests, each at the place to change', () => {
  it('refuses a password template that could never resolve, at its value (Kamu would fail only at pull)', () => {
    const text = kamuTemp().replace('port: 1883', 'port: 1883\n        username: u\n        password: "${{ bogus }}"');
    expect(issuesOf(text)).toEqual([
      {
        path: ['content', 'metadata', 0, 'fetch', 'password'],
        line: 13,
        column: 19,
        message: 'fetch.password: invalid template alternative "bogus" in "${{ bogus }}"; expected env.NAME (letters, digits, _ or -), a number or a \'single-quoted string\'',
      },
    ]);
  });

  it('reports an extra space before a key on that line, in our words', () => {
    expect(issuesOf(kamuTemp().replace('        port: 1883', '         port: 1883'))).toEqual([
      { path: [], line: 11, column: 10, message: 'this line is indented 9 spaces, deeper than line 10, whose "host" already has a value; indent it 8 spaces, like "host"' },
    ]);
  });

  it('reports an unclosed quote at its opening quote, not at the end of the file', () => {
    expect(issuesOf(kamuTemp().replace('host: 127.0.0.1', 'host: "127.0.0.1'))).toEqual([
      { path: [], line: 10, column: 15, message: 'this quoted value is never closed: add the closing " (without it, everything after the " is read as part of it)' },
    ]);
    expect(issuesOf(kamuTemp().replace('host: 127.0.0.1', "host: '127.0.0.1"))[0]).toMatchObject({ line: 10, column: 15 });
  });

  it('reports a key under a placeholder line such as "..." (a documentation excerpt) in our words', () => {
    const text = kamuTemp().replace('      read:\n', '      ...\n      read:\n');
    expect(issuesOf(text)).toEqual([{ path: [], line: 15, column: 7, message: '"..." is not "key: value", so this mapping cannot be read past it (a placeholder like "..." is not YAML)' }]);
  });

  it.each(['DisablePollingSource', 'DisablePushSource\n      sourceName: x'])('refuses %s in a snapshot with Kamu\'s reason', (event) => {
    const text = kamuTemp().replace('    - kind: SetPollingSource', `    - kind: ${event}\n    - kind: SetPollingSource`);
    const kind = event.split('\n')[0];
    expect(issuesOf(text)).toEqual([
      {
        path: ['content', 'metadata', 0, 'kind'],
        line: 7,
        column: 13,
        message: `metadata[0].kind: ${kind} is not allowed in a manifest: Kamu refuses it ("Disabling sources is not yet fully supported"); leave the source out instead`,
      },
    ]);
  });

  it('refuses the envelope kind in any other case than DatasetSnapshot, as Kamu does', () => {
    expect(issuesOf(kamuTemp().replace('kind: DatasetSnapshot', 'kind: datasetSnapshot'))).toEqual([
      { path: ['kind'], line: 1, column: 7, message: 'kind: the manifest kind must be exactly "DatasetSnapshot" (Kamu accepts no other spelling), got "datasetSnapshot"' },
    ]);
  });

  it('says what a name from before ODF 1.0 (which Kamu refuses too) is called now', () => {
    const text = 'kind: DatasetSnapshot\nversion: 1\ncontent:\n  id: x\n  kind: Root\n  metadata: []\n';
    expect(issuesOf(text).map((i) => i.message)).toContain('unknown key "id" in content; expected one of name, kind, metadata ("id" is the name before ODF 1.0; write "name")');
    const jsonLines = kamuTemp().replace('kind: NdJson', 'kind: jsonLines');
    expect(issuesOf(jsonLines)[0].message).toMatch(/unknown kind "jsonLines"; .* \("jsonLines" is the name before ODF 1.0; write "NdJson"\)$/);
  });
});

describe('parseManifest refuses a column JavaScript objects cannot hold', () => {
  it('names "__proto__" as a schema field, in a schema and in a ddlSchema', () => {
    const schema = issuesOf(pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  schema:\n    fields:\n      - name: __proto__\n        type: String\nmerge:\n  kind: Append`));
    expect(schema.map((i) => i.message)).toContainEqual(expect.stringContaining('"__proto__" cannot name a field in Sluice'));
    const ddl = issuesOf(pollingManifest(`${MQTT_FETCH}\nread:\n  kind: NdJson\n  ddlSchema: ['__proto__ STRING']\nmerge:\n  kind: Append`));
    expect(ddl.map((i) => i.message)).toContainEqual(expect.stringContaining('"__proto__" cannot name a column in Sluice'));
  });
});
