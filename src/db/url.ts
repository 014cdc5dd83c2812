import { InvalidDatabaseUrl } from './errors.js';

export { redactDatabaseUrl } from './errors.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface SqliteTarget {
  dialect: 'sqlite';
  /** `:memory:` for an in-memory database. */
  filename: string;
}

export interface ServerTarget {
  dialect: 'postgres' | 'mysql';
  host: string;
  port: number | undefined;
  user: string | undefined;
  password: string | undefined;
  database: string;
  /** Query parameters of the URL (e.g. `charset`, `unix_socket`). */
  params: Record<string, string>;
}

export type DatabaseTarget = SqliteTarget | ServerTarget;

const POSTGRES_SCHEMES = new Set(['postgresql', 'postgres', 'postgresql+psycopg2', 'postgresql+pg8000']);
const MYSQL_SCHEMES = new Set(['mysql', 'mysql+pymysql', 'mysql+mysqldb', 'mysql+mysqlconnector', 'mariadb', 'mariadb+pymysql']);

/**
 * Reads a database URL as SQLAlchemy writes them: `sqlite://` is in memory,
 * `sqlite:///rel/path` is relative to the working directory (three slashes) and
 * `sqlite:////abs/path` is absolute (four); server URLs may name the Python driver
 * after a `+`, which only says which client library Nova would have loaded.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url.trim());
  if (!match) throw new InvalidDatabaseUrl(url, 'expected <scheme>://...');
  const scheme = (match[1] as string).toLowerCase();
  const rest = match[2] as string;

  if (scheme === 'sqlite' || scheme.startsWith('sqlite+')) {
    const path = rest.split('?')[0] as string;
    if (path === '' || path === '/' || path === '/:memory:') return { dialect: 'sqlite', filename: ':memory:' };
    if (!path.startsWith('/'))
      throw new InvalidDatabaseUrl(url, 'SQLite URLs have no host part: use sqlite:///relative or sqlite:////absolute');
    return { dialect: 'sqlite', filename: decodeURIComponent(path.slice(1)) };
  }

  let dialect: 'postgres' | 'mysql';
  if (POSTGRES_SCHEMES.has(scheme)) dialect = 'postgres';
  else if (MYSQL_SCHEMES.has(scheme)) dialect = 'mysql';
  else throw new InvalidDatabaseUrl(url, `unsupported scheme "${scheme}" (use sqlite, postgresql or mysql)`);

  let parsed: URL;
  try {
    // The WHATWG parser only knows hosts for special schemes; borrow one for the authority part.
    parsed = new URL(`http://${rest}`);
  } catch {
    throw new InvalidDatabaseUrl(url, 'malformed host or credentials');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new InvalidDatabaseUrl(url, 'the URL must name exactly one database');
  const params: Record<string, string> = {};
  for (const [k, v] of parsed.searchParams) params[k] = v;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    dialect,
    host: host === '' ? 'localhost' : host,
    port: parsed.port === '' ? undefined : Number(parsed.port),
    user: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    database,
    params,
  };
}
