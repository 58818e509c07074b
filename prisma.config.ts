import { defineConfig } from 'prisma/config';

// Prisma 7 reads no .env by itself; migrations are applied by lib/store/migrate.ts (offline-safe).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/sluice' },
});
