import { SluiceError } from '../../errors';

/* MQTT topic filters, shared by the server's pull and the browser's preview (no Node APIs). */

/** Whether a topic matches a filter (MQTT §4.7: `+` one level, `#` the rest; `$` topics only explicitly). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * A concrete topic the filter matches, for a form's default (each `+` and a `#` become `test`):
 * `demo/sensors/+/temperature` → `demo/sensors/test/temperature`.
 */
export function exampleTopic(filter: string): string {
  return filter
    .split('/')
    .map((level) => (level === '+' || level === '#' ? 'test' : level))
    .join('/');
}

/** MQTT 3.1.1 §4.7: `#` only last and alone in its level, `+` alone in its level, no NUL, not empty. */
export function assertValidFilter(filter: string): void {
  const levels = filter.split('/');
  const bad =
    filter.length === 0 ||
    filter.includes('\u0000') ||
    new TextEncoder().encode(filter).length > 65535 ||
    levels.some((l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'));
  if (bad) {
    throw new SluiceError(
      'TOPIC_FILTER_INVALID',
      `topic filter "${filter}" is invalid: "+" must fill a whole level and "#" must be the whole last level`,
    );
  }
}

/** The longest topic name a device may publish to (UTF-8 bytes); MQTT allows 65535, no real device needs that. */
export const MAX_PUBLISH_TOPIC_BYTES = 1024;

/**
 * Why a device may not publish to this topic name, or undefined when it may (MQTT 3.1.1 §4.7.3,
 * MQTT 5 §4.7.3): not empty, no NUL, no wildcard, at most MAX_PUBLISH_TOPIC_BYTES; and not a `$`
 * topic (those belong to the server). The one check for every boundary a topic enters by (MQTT
 * PUBLISH and HTTP push); the reason quotes no part of the topic, which may hold anything.
 */
export function publishTopicRefusal(topic: string): string | undefined {
  if (topic.length === 0) return 'the topic name is empty';
  if (topic.startsWith('$')) return 'topics starting with "$" are reserved';
  if (topic.includes('\u0000')) return 'the topic name holds a NUL character';
  if (topic.includes('+') || topic.includes('#')) return 'a topic name must not hold the wildcards "+" or "#"';
  if (new TextEncoder().encode(topic).length > MAX_PUBLISH_TOPIC_BYTES) return `the topic name is longer than ${MAX_PUBLISH_TOPIC_BYTES} bytes`;
  return undefined;
}

/**
 * Whether every topic `inner` can match is also matched by `outer` (so a subscription to `inner`
 * stays within `outer`): `a/#` covers `a/+/b`, `+/x` covers `a/x`, `a/+` does not cover `a/#`.
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const i = inner.split('/');
  // Wildcards at the first level never match `$` topics (MQTT §4.7.2), so they cannot cover them.
  if (i[0].startsWith('$') && (o[0] === '+' || o[0] === '#')) return false;
  for (let n = 0; n < o.length; n++) {
    if (o[n] === '#') return true;
    if (n >= i.length || i[n] === '#') return false;
    if (o[n] === '+') continue;
    if (i[n] !== o[n]) return false;
  }
  return o.length === i.length;
}
