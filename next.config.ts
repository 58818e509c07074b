import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native, wasm or Node-only packages stay outside the server bundle and load from node_modules.
  serverExternalPackages: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg', '@prisma/adapter-pg', '@duckdb/node-api', 'aedes', 'mqtt'],
  poweredByHeader: false,
};

export default nextConfig;
