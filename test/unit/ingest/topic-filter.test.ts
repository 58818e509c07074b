import { describe, expect, it } from 'vitest';
import { assertValidFilter, filterCovers, topicMatches, exampleTopic, publishTopicRefusal, MAX_PUBLISH_TOPIC_BYTES } from '../../../lib/ingest/fetch/topic-filter';

describe('assertValidFilter (MQTT §4.7)', () => {
  it.each(['a', 'a/b', '+', '#', 'a/+/c', 'a/#', '+/+', '/a', 'a/'])('accepts %s', (f) => {
    expect(() => assertValidFilter(f)).not.toThrow();
  });
  it.each(['', 'a/b+', 'a/#/b', 'a#', '##', 'a/+b/c', 'x\u0000y'])('rejects %j', (f) => {
    expect(() => assertValidFilter(f)).toThrow(expect.objectContaining({ code: 'TOPIC_FILTER_INVALID' }));
  });
});

describe('topicMatches (MQTT §4.7)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['+/b', 'a/b', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/c', false],
    ['a/+/c', 'a//c', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filterCovers', () => {
  it.each([
    ['a/#', 'a/+/b', true],
    ['a/#', 'a', true],
    ['a/#', 'a/#', true],
    ['#', 'x/y', true],
    ['+/x', 'a/x', true],
    ['+/x', '+/x', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/+', false],
    ['a/b', 'a/b/c', false],
    ['#', '$SYS/#', false],
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/broker/load', true],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });
});

describe('exampleTopic', () => {
  it('gives a topic the filter itself matches', () => {
    for (const filter of ['demo/sensors/+/temperature', 'a/#', '#', '+', 'plain/topic', '+/x/#']) {
      expect(topicMatches(filter, exampleTopic(filter)), filter).toBe(true);
    }
    expect(exampleTopic('demo/sensors/+/temperature')).toBe('demo/sensors/test/temperature');
  });
});

describe('publishTopicRefusal (MQTT §4.7.3, for devices)', () => {
  it.each(['a', 'a/b', '/a', 'a/', 'ä/ü'])('accepts %s', (t) => expect(publishTopicRefusal(t)).toBeUndefined());
  it.each(['', '$SYS/x', 'a/\u0000', 'a/+', 'a/#', 'é'.repeat(MAX_PUBLISH_TOPIC_BYTES / 2 + 1)])('refuses %j', (t) => expect(publishTopicRefusal(t)).toBeTypeOf('string'));
});
