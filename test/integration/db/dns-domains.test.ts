import assert from 'node:assert/strict';
import { dnsDomainGet, dnsDomainList, dnsDomainRegister, dnsDomainUnregister } from '../../../src/db/api/dns-domains.js';
import { forEachEngine } from './engines.js';

forEachEngine('dns-domains DB API', async (t, { db }) => {
  await t.test('a private domain is kept with its availability zone and no project', async () => {
    const made = await dnsDomainRegister(db, null, { domain: 'int.example.org', scope: 'private', availability_zone: 'nova' });
    assert.deepEqual(made, { domain: 'int.example.org', scope: 'private', availability_zone: 'nova', project_id: null });
    assert.deepEqual(await dnsDomainGet(db, null, 'int.example.org'), made);
  });

  await t.test('a public domain is kept with its project and no zone', async () => {
    await dnsDomainRegister(db, null, { domain: 'pub.example.org', scope: 'public', project_id: 'proj-a' });
    assert.deepEqual(await dnsDomainGet(db, null, 'pub.example.org'), {
      domain: 'pub.example.org',
      scope: 'public',
      availability_zone: null,
      project_id: 'proj-a',
    });
  });

  await t.test('registering a known domain again replaces its scope instead of adding a row', async () => {
    await dnsDomainRegister(db, null, { domain: 'int.example.org', scope: 'public', project_id: 'proj-b' });
    const again = await dnsDomainGet(db, null, 'int.example.org');
    assert.deepEqual(again, { domain: 'int.example.org', scope: 'public', availability_zone: null, project_id: 'proj-b' });
    assert.equal((await dnsDomainList(db, null)).filter((d) => d.domain === 'int.example.org').length, 1);
  });

  await t.test('the list is sorted by domain name', async () => {
    await dnsDomainRegister(db, null, { domain: 'aaa.example.org', scope: 'private', availability_zone: 'az2' });
    assert.deepEqual(
      (await dnsDomainList(db, null)).map((d) => d.domain),
      ['aaa.example.org', 'int.example.org', 'pub.example.org'],
    );
  });

  await t.test('an unknown domain reads as null', async () => {
    assert.equal(await dnsDomainGet(db, null, 'nowhere.example.org'), null);
  });

  await t.test('unregistering removes the domain, and it can be registered afresh', async () => {
    await dnsDomainUnregister(db, null, 'aaa.example.org');
    assert.equal(await dnsDomainGet(db, null, 'aaa.example.org'), null);
    assert.deepEqual(
      (await dnsDomainList(db, null)).map((d) => d.domain),
      ['int.example.org', 'pub.example.org'],
    );
    await dnsDomainRegister(db, null, { domain: 'aaa.example.org', scope: 'private', availability_zone: 'nova' });
    assert.equal((await dnsDomainGet(db, null, 'aaa.example.org'))?.availability_zone, 'nova');
  });

  await t.test('unregistering an unknown domain changes nothing', async () => {
    const before = await dnsDomainList(db, null);
    await dnsDomainUnregister(db, null, 'nowhere.example.org');
    assert.deepEqual(await dnsDomainList(db, null), before);
  });
});
