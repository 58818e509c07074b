import { describe, expect, it } from 'vitest';
import { movePasswordToSecret } from '../../../lib/datasets/password-secret';
import { parseManifest } from '../../../lib/odf';
import { mqttManifest } from '../../support/manifests';

const fetchOf = (s: ReturnType<typeof parseManifest>) => (s.metadata[0] as { fetch: { password?: string } }).fetch;

describe('movePasswordToSecret', () => {
  it('replaces a password in clear by the MQTT_PASSWORD template and returns the value', () => {
    const parsed = parseManifest(mqttManifest({ name: 'a', port: 1, topics: [{ path: 'a' }], username: 'u', password: 's3cret' }));
    const { snapshot, password } = movePasswordToSecret(parsed);
    expect(password).toBe('s3cret');
    expect(fetchOf(snapshot).password).toBe('${{ env.MQTT_PASSWORD }}');
    expect(JSON.stringify(snapshot)).not.toContain('s3cret');
  });

  it('leaves templates and password-less sources alone', () => {
    const templated = parseManifest(mqttManifest({ name: 'a', port: 1, topics: [{ path: 'a' }], username: 'u', password: '${{ env.BROKER_PW }}' }));
    expect(movePasswordToSecret(templated)).toEqual({ snapshot: templated });
    const none = parseManifest(mqttManifest({ name: 'a', port: 1, topics: [{ path: 'a' }] }));
    expect(movePasswordToSecret(none)).toEqual({ snapshot: none });
  });
});
