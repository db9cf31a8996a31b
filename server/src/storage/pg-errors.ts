/** SQLSTATE unique_violation (PostgreSQL and PGlite alike). */
const UNIQUE_VIOLATION = '23505';

/**
 * Whether `err` (or an error it wraps: drizzle puts the driver's error in `cause`) is a
 * violation of the unique constraint named `constraint`. Read from the SQLSTATE and the
 * constraint name the database reports, never from the message text, which changes with the
 * driver, the server's language (lc_messages) and the library version.
 */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const { code, constraint: name, cause } = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (code === UNIQUE_VIOLATION) return name === constraint;
    e = cause;
  }
  return false;
}
