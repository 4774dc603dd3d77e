// Rows that one-statement writes (instance-write.ts, operation-write.ts) return as to_json():
// column names and JSON values, turned back into drizzle's row types.
import { getTableColumns, type Table } from 'drizzle-orm';

export function fromJson<T>(table: Table, json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [property, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[property] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T;
}
