/** Builds MQTT DatasetSnapshot manifests for tests (YAML text, as a user would write it). */
export interface TestManifest {
  name: string;
  port: number;
  host?: string;
  topics: { path: string; qos?: 'AtMostOnce' | 'AtLeastOnce' | 'ExactlyOnce' }[];
  /** Read-schema fields as YAML; null for a read step without a schema (inferred at the first pull). */
  fields?: string | null;
  merge?: string;
  username?: string;
  password?: string;
  read?: string;
}

const DEFAULT_FIELDS = `            - name: event_time
              type: Timestamp
            - name: device
              type: String
            - name: value
              type: Float64`;

export function mqttManifest(m: TestManifest): string {
  const topics = m.topics.map((t) => `          - path: ${JSON.stringify(t.path)}${t.qos ? `\n            qos: ${t.qos}` : ''}`).join('\n');
  const creds = m.username ? `\n        username: ${m.username}\n        password: ${JSON.stringify(m.password ?? '')}` : '';
  return `kind: DatasetSnapshot
version: 1
content:
  name: ${m.name}
  kind: Root
  metadata:
    - kind: SetPollingSource
      fetch:
        kind: Mqtt
        host: ${m.host ?? '127.0.0.1'}
        port: ${m.port}${creds}
        topics:
${topics}
      read:
        kind: ${m.read ?? 'NdJson'}${m.fields === null ? '' : `
        schema:
          fields:
${m.fields ?? DEFAULT_FIELDS}`}
      merge:
${m.merge ?? `        kind: Ledger
        primaryKey: [event_time, device]`}
`;
}

/** A push dataset's manifest (ODF AddPushSource): devices publish to it through the device endpoint. */
export function pushManifest(name: string, opts: { read?: string; merge?: string } = {}): string {
  return `kind: DatasetSnapshot
version: 1
content:
  name: ${name}
  kind: Root
  metadata:
    - kind: AddPushSource
      sourceName: devices
      read:
        kind: ${opts.read ?? 'NdJson'}
        schema:
          fields:
${DEFAULT_FIELDS}
      merge:
${opts.merge ?? '        kind: Append'}
`;
}
