import { DBError, NovaError } from '../common/errors.js';

/** The URL with its password replaced, for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:/@]*:)[^@]*@/, '$1****@');
}

export class InvalidDatabaseUrl extends NovaError {
  constructor(url: string, problem: string) {
    super(`Invalid database connection URL ${redactDatabaseUrl(url)}: ${problem}`);
  }
}

/** The database server could not be reached or refused us; the message is one line. */
export class DBConnectionError extends DBError {
  constructor(url: string, cause: unknown) {
    const reason = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
    super(`Cannot connect to database ${redactDatabaseUrl(url)}: ${reason}`, { cause });
  }
}

/** A write broke a UNIQUE constraint; callers translate it into their own conflict error. */
export class DBDuplicateEntry extends DBError {
  readonly columns: string[];
  constructor(columns: string[], options: { cause?: unknown } = {}) {
    super(`Duplicate entry for ${columns.length ? columns.join(', ') : 'a unique key'}`, options);
    this.columns = columns;
  }
}

export class DBMigrationError extends DBError {}

/** Whether a driver error is a UNIQUE (or primary key) violation, on any of the three engines. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    code.startsWith('SQLITE_CONSTRAINT_UNIQUE') ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** Runs a write, turning a unique-key violation on any engine into DBDuplicateEntry naming `what`. */
export async function translateDuplicate<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new DBDuplicateEntry([what], { cause: err });
    throw err;
  }
}
