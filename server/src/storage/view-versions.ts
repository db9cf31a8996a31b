import { sql } from 'drizzle-orm';
import type { Db } from './database.ts';

/**
 * Versions for derived live views from one database sequence (schema.ts viewVersion): every
 * instance draws from it, so a computation that starts later carries a higher version whatever
 * the instances' clocks say. One round trip per computation (tallies: at most 4 a second per
 * meeting per instance).
 */
export class ViewVersions {
  constructor(private readonly db: Db) {}

  async next(): Promise<number> {
    const result = await this.db.execute(sql`SELECT nextval('view_version')::text AS v`);
    return Number((result as unknown as { rows: { v: string }[] }).rows[0]!.v);
  }
}
