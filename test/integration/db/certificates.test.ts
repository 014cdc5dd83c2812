import assert from 'node:assert/strict';
import { AdminRequired } from '../../../src/common/errors.js';
import { adminContext, RequestContext } from '../../../src/context/context.js';
import {
  certificateCreate,
  certificateGetAllByProject,
  certificateGetAllByUser,
  certificateGetAllByUserAndProject,
} from '../../../src/db/api/certificates.js';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import { forEachEngine } from './engines.js';

const admin = adminContext();
const member = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });

forEachEngine('certificates DB API', async (t, { db }) => {
  await t.test('certificateCreate records user, project and file name as a live row', async () => {
    const cert = await certificateCreate(db, admin, { user_id: 'u1', project_id: 'p1', file_name: 'a.pem' });
    assert.ok(cert.id > 0);
    assert.deepEqual([cert.user_id, cert.project_id, cert.file_name, cert.deleted], ['u1', 'p1', 'a.pem', 0]);
    assert.ok(cert.created_at instanceof Date);
  });

  await t.test('lists by user, by project and by both, oldest first, leaving out soft-deleted rows', async () => {
    await certificateCreate(db, admin, { user_id: 'u1', project_id: 'p2', file_name: 'b.pem' });
    await certificateCreate(db, admin, { user_id: 'u2', project_id: 'p1', file_name: 'c.pem' });
    const gone = await certificateCreate(db, admin, { user_id: 'u1', project_id: 'p1', file_name: 'gone.pem' });
    await softDeleteWhere(db, 'certificates', { id: gone.id });
    const files = (rows: { file_name: string | null }[]) => rows.map((r) => r.file_name);
    assert.deepEqual(files(await certificateGetAllByUser(db, admin, 'u1')), ['a.pem', 'b.pem']);
    assert.deepEqual(files(await certificateGetAllByProject(db, admin, 'p1')), ['a.pem', 'c.pem']);
    assert.deepEqual(files(await certificateGetAllByUserAndProject(db, admin, 'u1', 'p1')), ['a.pem']);
    assert.deepEqual(await certificateGetAllByUser(db, admin, 'nobody'), []);
  });

  await t.test('only an admin context (or none: the service itself) reads or writes certificates', async () => {
    await assert.rejects(certificateCreate(db, member, { user_id: 'u1', project_id: 'p1', file_name: 'x.pem' }), AdminRequired);
    await assert.rejects(certificateGetAllByUser(db, member, 'u1'), AdminRequired);
    await assert.rejects(certificateGetAllByProject(db, member, 'p1'), AdminRequired);
    await assert.rejects(certificateGetAllByUserAndProject(db, member, 'u1', 'p1'), AdminRequired);
    assert.equal((await certificateGetAllByUser(db, null, 'u1')).length, 2);
  });
});
