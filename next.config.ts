import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native, wasm or Node-only packages stay outside the server bundle and load from node_modules.
  serverExternalPackages: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg', '@prisma/adapter-pg', '@duckdb/node-api', 'aedes', 'mqtt'],
  poweredByHeader: false,
  // forbidden() renders app/forbidden.tsx with status 403 for a role that may not do something.
  experimental: { authInterrupts: true },
};

export default nextConfig;
