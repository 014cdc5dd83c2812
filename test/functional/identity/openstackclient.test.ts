import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { writeCloudsYaml } from '../../../src/identity/bootstrap.js';
import { probeCommand, requireExternal } from '../../support/externals.js';
import { ADMIN_PASSWORD, DEMO_PASSWORD, type Harness, startHarness } from './harness.js';

const run = promisify(execFile);

const problem = probeCommand('openstack');

test('python-openstackclient is installed', (t) => {
  requireExternal(t, 'openstack (Debian package python3-openstackclient)', problem);
});

describe('python-openstackclient against the embedded identity service', {
  skip: problem ?? false,
}, () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    h = await startHarness();
    const clouds = join(h.dir, 'clouds.yaml');
    await writeCloudsYaml(clouds, {
      authUrl: `${h.running.url}/v3`,
      region: 'RegionOne',
      admin: { username: 'admin', password: ADMIN_PASSWORD, projectName: 'admin' },
      demo: { username: 'demo', password: DEMO_PASSWORD, projectName: 'demo' },
    });
    env = { ...process.env, OS_CLIENT_CONFIG_FILE: clouds, HOME: h.dir };
    for (const k of Object.keys(env)) if (k.startsWith('OS_') && k !== 'OS_CLIENT_CONFIG_FILE') delete env[k];
  });
  after(async () => {
    await h.stop();
  });

  // biome-ignore lint/suspicious/noExplicitAny: openstackclient's JSON output, checked by the assertions
  async function openstack(cloud: string, ...args: string[]): Promise<any> {
    const { stdout } = await run('openstack', ['--os-cloud', cloud, ...args, '-f', 'json'], { env, timeout: 60_000 });
    return JSON.parse(stdout);
  }

  test('token issue and catalog list work for the admin and demo clouds', async () => {
    const token = await openstack('nova-ts', 'token', 'issue');
    assert.equal(token.project_id, h.accounts.admin.projectId);
    assert.equal(token.user_id, h.accounts.admin.userId);
    const demo = await openstack('nova-ts-demo', 'token', 'issue');
    assert.equal(demo.project_id, h.accounts.demo.projectId);
    const catalog = await openstack('nova-ts', 'catalog', 'list');
    assert.deepEqual(catalog.map((s: { Type: string }) => s.Type).sort(), ['compute', 'identity', 'image']);
  });

  test('project create, user create --password and role add member, then the new user logs in', async () => {
    const project = await openstack('nova-ts', 'project', 'create', 'osc-project');
    assert.equal(project.name, 'osc-project');
    const user = await openstack('nova-ts', 'user', 'create', '--password', 'osc-pw', 'osc-user');
    assert.equal(user.name, 'osc-user');
    await run('openstack', ['--os-cloud', 'nova-ts', 'role', 'add', '--project', 'osc-project', '--user', 'osc-user', 'member'], {
      env,
      timeout: 60_000,
    });
    const projects = await openstack('nova-ts', 'project', 'list');
    assert.ok(projects.some((p: { Name: string }) => p.Name === 'osc-project'));
    const { stdout } = await run(
      'openstack',
      [
        '--os-auth-url',
        `${h.running.url}/v3`,
        '--os-username',
        'osc-user',
        '--os-password',
        'osc-pw',
        '--os-project-name',
        'osc-project',
        '--os-user-domain-name',
        'Default',
        '--os-project-domain-name',
        'Default',
        '--os-identity-api-version',
        '3',
        'token',
        'issue',
        '-f',
        'json',
      ],
      { env: { ...env, OS_CLIENT_CONFIG_FILE: '/nonexistent' }, timeout: 60_000 },
    );
    assert.equal(JSON.parse(stdout).project_id, project.id);
  });
});
