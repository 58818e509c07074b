import { describe, expect, it } from 'vitest';
import { assertValidFilter } from '../../../lib/ingest/fetch/mqtt-session';

describe('assertValidFilter (MQTT §4.7)', () => {
  it.each(['a', 'a/b', '+', '#', 'a/+/c', 'a/#', '+/+', '/a', 'a/'])('accepts %s', (f) => {
    expect(() => assertValidFilter(f)).not.toThrow();
  });
  it.each(['', 'a/b+', 'a/#/b', 'a#', '##', 'a/+b/c', 'x\u0000y'])('rejects %j', (f) => {
    expect(() => assertValidFilter(f)).toThrow(expect.objectContaining({ code: 'TOPIC_FILTER_INVALID' }));
  });
});
