import { describe, expect, it } from 'vitest';
import { safeNext } from '../../../app/_components/safe-next';

/**
 * safeNext receives `next` as the page gets it: already percent-decoded once by the query string
 * (so `?next=/%5Cevil.example/x` arrives as `/\evil.example/x`). Whatever it returns is what the
 * browser navigates to, relative to the console; it must stay on the console.
 */
const CONSOLE = 'https://sluice.example.com';

/** Where a browser on the console ends up after navigating to `href` (WHATWG URL parsing). */
function landing(href: string, origin = CONSOLE): URL {
  return new URL(href, `${origin}/sign-in?next=x`);
}

const EVIL: string[] = [
  // backslashes: browsers read `\` as `/` in http(s) URLs
  '/\\evil.example/x',
  '\\\\evil.example/x',
  '/\\/evil.example',
  '\\/evil.example',
  '/\\\\evil.example',
  // tabs, newlines and other ignored characters between the slashes
  '/\t/evil.example/y',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '\t//evil.example',
  '/\t\\evil.example',
  ' //evil.example',
  '\u0000//evil.example',
  '\u001f//evil.example',
  // protocol-relative, any number of slashes
  '//evil.example',
  '//evil.example/w/default',
  '///evil.example',
  '////evil.example',
  '//evil.example:443',
  '//sluice.example.com@evil.example',
  // dot segments that leave an empty first segment: /.//evil.example parses to the path //evil.example
  '/.//evil.example',
  '/./\\evil.example',
  '/..//evil.example',
  '/x/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  // absolute URLs elsewhere, and scheme tricks
  'https://evil.example',
  'http://evil.example/',
  'HTTPS://EVIL.EXAMPLE',
  'https:\\\\evil.example',
  'http://sluice.example.com@evil.example/',
  'https://sluice.example.com.evil.example/',
  'https://sluice.example.com:8443/',
  'http://sluice.example.com/',
  'ftp://evil.example',
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  'java\tscript:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'blob:https://evil.example/uuid',
];

/** Odd but harmless: same-scheme "relative" URLs (https:evil.example is the path /evil.example). */
const ODD = ['https:evil.example', 'https:/evil.example', 'http:evil.example', 'evil.example', '.', '..', '%2F%2Fevil.example', '/%2F%2Fevil.example', '/%5Cevil.example/x', '/%09/evil.example/y'];

const KEPT: [string, string][] = [
  ['/', '/'],
  ['/w/default', '/w/default'],
  ['/w/default/datasets/a.b?tab=data#top', '/w/default/datasets/a.b?tab=data#top'],
  ['/invite/3f0c9c1e-0000-4000-8000-000000000000', '/invite/3f0c9c1e-0000-4000-8000-000000000000'],
  ['/w/default?next=//evil.example', '/w/default?next=//evil.example'],
  [`${CONSOLE}/w/default`, '/w/default'],
];

describe('[REDIRECT] safeNext', () => {
  it.each(EVIL)('never leaves the console for %j', (next) => {
    const out = safeNext(next, CONSOLE);
    expect(out).toBe('/');
    // Also with the console's origin unknown (no SLUICE_PUBLIC_URL).
    expect(landing(safeNext(next)).origin).toBe(CONSOLE);
  });

  it.each([...ODD, ...EVIL.flatMap((e) => [encodeURI(e), `/${encodeURIComponent(e)}`, e.toUpperCase(), `${e}#x`, `${e}?a=b`])])('stays on the console for the variant %j', (next) => {
    for (const origin of [CONSOLE, undefined]) {
      const out = safeNext(next, origin);
      expect(out.startsWith('/') && !out.startsWith('//') && !out.startsWith('/\\')).toBe(true);
      expect(landing(out).origin).toBe(CONSOLE);
      expect(landing(out, 'http://127.0.0.1:3000').origin).toBe('http://127.0.0.1:3000');
    }
  });

  it.each(KEPT)('keeps the console path %j', (next, kept) => {
    expect(safeNext(next, CONSOLE)).toBe(kept);
  });

  it('falls back to / for nothing, arrays (?next=a&next=b), and absurd lengths', () => {
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext('')).toBe('/');
    expect(safeNext(['/w/default', '//evil.example'])).toBe('/');
    expect(safeNext(`/${'a'.repeat(5000)}`)).toBe('/');
  });
});
