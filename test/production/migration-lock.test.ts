// Migrations take a Postgres advisory lock (schema/migrate.ts): two replicas migrating one fresh
// database at once both succeed, the schema is applied once, and a migrator waits while another
// holds the lock. Needs a real Postgres (DATABASE_URL's server).
import postgres from 'postgres';
import { MIGRATION_LOCK_KEY, runMigrations } from '../../schema/migrate';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../schema/throwaway-database';

const serverUrl = process.env.DATABASE_URL;

(serverUrl ? describe : describe.skip)('migrations under an advisory lock', () => {
  let db: ThrowawayDatabase;
  beforeAll(async () => {
    db = await createThrowawayDatabase(serverUrl!, 'test');
  });
  afterAll(() => db?.drop());

  it('two migrators started at once both succeed, and each migration is recorded once', async () => {
    await Promise.all([runMigrations(db.url), runMigrations(db.url)]);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await sql.end();
    }
  });

  it('waits while another session holds the lock', async () => {
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await holder`select pg_advisory_lock(hashtext(${MIGRATION_LOCK_KEY}))`;
      let done = false;
      const migrating = runMigrations(db.url).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toBe(false);
      await holder`select pg_advisory_unlock(hashtext(${MIGRATION_LOCK_KEY}))`;
      await migrating;
      expect(done).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
