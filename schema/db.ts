// One way in to Postgres for the API and the worker: postgres.js to DATABASE_URL. The embedded
// PGlite is served on a local port (schema/embedded-postgres.ts), so dev and production share
// this code path.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as tables from './tables';

export type Database = PostgresJsDatabase<typeof tables>;

export interface DatabaseHandle {
  db: Database;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // Notices (e.g. "relation already exists, skipping") are noise in the JSON logs.
    onnotice: () => {},
    connect_timeout: 10,
  });
  return { db: drizzle(sql, { schema: tables }), sql, close: () => sql.end({ timeout: 5 }) };
}
