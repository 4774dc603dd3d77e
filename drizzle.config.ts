import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from schema/tables.ts into schema/migrations.
export default defineConfig({
  dialect: 'postgresql',
  schema: './schema/tables.ts',
  out: './schema/migrations',
});
