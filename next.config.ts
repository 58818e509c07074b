import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native, wasm or Node-only packages stay outside the server bundle and load from node_modules.
  serverExternalPackages: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg', '@prisma/adapter-pg', '@duckdb/node-api', 'aedes', 'mqtt'],
  poweredByHeader: false,
  // `npm test` type-checks (tsc --noEmit) everything next build would; checking again here doubled
  // the first `npm start` (86 s of 214 s on a 2-core machine) for no new finding.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    // forbidden() renders app/forbidden.tsx with status 403 for a role that may not do something.
    authInterrupts: true,
    // Next 16 writes Turbopack's cache to .next/cache at the end of every build (12 s quiet, 28 s
    // at load 16 here, measured): time on the first `npm start` that only a later rebuild repays.
    turbopackFileSystemCacheForBuild: false,
  },
  // SQL on the query page runs in DuckDB-WASM, which can read http(s) URLs: a query (a saved one, or
  // one pasted from somewhere) must not be able to send workspace data to another origin. The page
  // and the workers it starts from the build's assets may only connect to the console itself.
  async headers() {
    // No page is ever framed (clickjacking: a page on another port of the same site would get the
    // SameSite=Lax session cookie in a frame of Members, Settings or Secrets).
    const neverFramed = [
      { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
      { key: 'X-Frame-Options', value: 'DENY' },
    ];
    const sameOriginOnly = [
      // The last rule matching a path sets its CSP (Next.js: a later header of the same key wins), so this one says both.
      { key: 'Content-Security-Policy', value: "connect-src 'self'; frame-ancestors 'none'" },
      // Cross-origin isolation: no other origin's window or resource shares the page's process
      // (DuckDB-WASM itself runs single-threaded, see lib/browser/duckdb/duckdb-instance.ts).
      { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
      { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
    ];
    return [
      { source: '/:path*', headers: neverFramed },
      { source: '/w/:workspace/query', headers: sameOriginOnly },
      // Workers start from build assets (Turbopack's worker bootstrap is a chunk, the engine a media file).
      { source: '/_next/static/:asset*', headers: sameOriginOnly },
    ];
  },
};

export default nextConfig;
