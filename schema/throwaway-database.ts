// A database of its own on a shared Postgres server (CI's, or DATABASE_URL's), created for one
// test or bench run and dropped afterwards, so runs never see each other's rows.
import postgres from 'postgres';

export interface ThrowawayDatabase {
  url: string;
  /** Drops it, even with connections still open; never throws (the run is over either way). */
  drop(): Promise<void>;
}

/** `purpose` goes into the database's name, so a leftover one says which kind of run made it. */
export async function createThrowawayDatabase(serverUrl: string, purpose: 'test' | 'bench'): Promise<ThrowawayDatabase> {
  const name = `hostflow_${purpose}_${process.pid}_${Date.now()}`;
  await onServer(serverUrl, (admin) => admin.unsafe(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, (admin) => admin.unsafe(`drop database if exists ${name} with (force)`)).catch(() => undefined),
  };
}

async function onServer(serverUrl: string, statement: (admin: postgres.Sql) => Promise<unknown>): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await statement(admin);
  } finally {
    await admin.end();
  }
}
