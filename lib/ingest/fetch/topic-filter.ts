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
