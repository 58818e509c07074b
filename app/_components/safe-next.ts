/** Stands for the console's origin when it is not configured: only "same origin or not" matters. */
const PLACEHOLDER_ORIGIN = 'http://sluice.invalid';

/**
 * Where to go after signing in (or up): only a path of the console itself, never another origin.
 * Decided the way the browser will read it — by parsing `next` as a URL against the console's
 * origin (which strips tabs and newlines, reads `\` as `/`, resolves `..`, knows `//host` and
 * `javascript:`) — and then requiring that origin. The result is the parsed path, query and hash,
 * which cannot itself start with `//`; anything else becomes `/`.
 *
 * `origin` is the console's public origin when known (SLUICE_PUBLIC_URL), so that an absolute
 * link to the console itself is kept.
 */
export function safeNext(next: unknown, origin?: string): string {
  if (typeof next !== 'string' || next === '' || next.length > 2048) return '/';
  let base: URL;
  try {
    base = new URL(origin ?? PLACEHOLDER_ORIGIN);
  } catch {
    base = new URL(PLACEHOLDER_ORIGIN);
  }
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base.origin || url.username || url.password) return '/';
  // `/.//evil.example` parses to the path `//evil.example`, which a browser would read as a host.
  if (url.pathname.startsWith('//')) return '/';
  const result = `${url.pathname}${url.search}${url.hash}`;
  // Belt and braces: what we return must parse back to the same origin and the same path.
  const again = new URL(result, base);
  return again.origin === base.origin && result.startsWith('/') && !result.startsWith('//') && !result.startsWith('/\\') ? result : '/';
}
