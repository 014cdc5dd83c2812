import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidDatabaseUrl, redactDatabaseUrl } from '../../../src/db/errors.js';
import { parseDatabaseUrl } from '../../../src/db/url.js';
import { formatUtcDatetime, parseUtcDatetime } from '../../../src/db/values.js';

test('sqlite:// is an in-memory database', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite://'), { dialect: 'sqlite', filename: ':memory:' });
  assert.deepEqual(parseDatabaseUrl('sqlite:///:memory:'), { dialect: 'sqlite', filename: ':memory:' });
});

test('three slashes make a relative SQLite path, four an absolute one', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite:///nova.sqlite'), { dialect: 'sqlite', filename: 'nova.sqlite' });
  assert.deepEqual(parseDatabaseUrl('sqlite:///state/nova.sqlite'), { dialect: 'sqlite', filename: 'state/nova.sqlite' });
  assert.deepEqual(parseDatabaseUrl('sqlite:////var/lib/nova/nova.sqlite'), { dialect: 'sqlite', filename: '/var/lib/nova/nova.sqlite' });
});

test('rejects a SQLite URL with a host part', () => {
  assert.throws(() => parseDatabaseUrl('sqlite://host/nova.sqlite'), InvalidDatabaseUrl);
});

test('reads PostgreSQL URLs with and without a driver suffix', () => {
  for (const scheme of ['postgresql', 'postgresql+psycopg2', 'postgres']) {
    assert.deepEqual(parseDatabaseUrl(`${scheme}://nova:s%40cret@db.example.org:6432/nova`), {
      dialect: 'postgres',
      host: 'db.example.org',
      port: 6432,
      user: 'nova',
      password: 's@cret',
      database: 'nova',
      params: {},
    });
  }
});

test('reads MySQL URLs of every Python driver, with query parameters', () => {
  for (const scheme of ['mysql', 'mysql+pymysql', 'mysql+mysqldb']) {
    assert.deepEqual(parseDatabaseUrl(`${scheme}://root@127.0.0.1/nova?charset=utf8`), {
      dialect: 'mysql',
      host: '127.0.0.1',
      port: undefined,
      user: 'root',
      password: undefined,
      database: 'nova',
      params: { charset: 'utf8' },
    });
  }
});

test('reads an IPv6 host', () => {
  const t = parseDatabaseUrl('postgresql://u@[::1]:5432/nova');
  assert.equal(t.dialect === 'postgres' && t.host, '::1');
});

test('rejects unknown schemes, missing database names and non-URLs', () => {
  assert.throws(() => parseDatabaseUrl('oracle://u@h/db'), /unsupported scheme "oracle"/);
  assert.throws(() => parseDatabaseUrl('mysql://root@localhost'), /exactly one database/);
  assert.throws(() => parseDatabaseUrl('mysql://root@localhost/a/b'), /exactly one database/);
  assert.throws(() => parseDatabaseUrl('nova.sqlite'), InvalidDatabaseUrl);
});

test('error messages never show the password', () => {
  assert.equal(redactDatabaseUrl('mysql://nova:topsecret@db/nova'), 'mysql://nova:****@db/nova');
  assert.doesNotThrow(() => redactDatabaseUrl('sqlite://'));
  try {
    parseDatabaseUrl('oracle://nova:topsecret@h/db');
    assert.fail('expected a throw');
  } catch (err) {
    assert.doesNotMatch((err as Error).message, /topsecret/);
  }
});

test('datetimes are written as naive UTC with microseconds and read back as the same instant', () => {
  const d = new Date('2013-05-06T07:08:09.012Z');
  assert.equal(formatUtcDatetime(d), '2013-05-06 07:08:09.012000');
  assert.equal(parseUtcDatetime('2013-05-06 07:08:09.012000').getTime(), d.getTime());
  assert.equal(parseUtcDatetime('2013-05-06 07:08:09').toISOString(), '2013-05-06T07:08:09.000Z');
  assert.equal(parseUtcDatetime('2013-05-06T07:08:09.5').toISOString(), '2013-05-06T07:08:09.500Z');
});
