/**
 * The compute methods the API and consoleauth send besides builds and deletes:
 * change_instance_metadata reaches the driver, and consoleauth's tokens are checked
 * against the console port the instance's compute host reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConsoleAuthClient, consoleAuthContract } from '../../../src/consoleauth/contract.js';
import { ConsoleAuthManager } from '../../../src/consoleauth/manager.js';
import { contractEndpoint } from '../../../src/rpc/contract.js';
import { ContractClient } from '../../../src/rpc/contract-client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { bootCloud, type Cloud, createInstanceRow, fakeDriver, faultsOf, requestBuild, userContext, waitForRest } from './harness.js';

const TINY = { memory_mb: 512, vcpus: 1, root_gb: 1 };

/** A hypervisor that publishes metadata to its guests, and can be told to fail at it. */
class MetadataDriver extends FakeDriver {
  readonly changes: { uuid: string; diff: Record<string, ['+', string] | ['-']> }[] = [];
  failing = false;
  override async changeInstanceMetadata(instance: VirtInstance, diff: Record<string, ['+', string] | ['-']>): Promise<void> {
    if (this.failing) throw new Error('metadata service unreachable');
    this.changes.push({ uuid: instance.uuid, diff });
  }
}

async function activeInstance(cloud: Cloud) {
  const ctx = userContext();
  const inst = await createInstanceRow(cloud, ctx, TINY);
  await requestBuild(cloud, ctx, [inst], TINY);
  return waitForRest(cloud, inst.uuid as string);
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('compute requests besides build and delete', () => {
  it('change_instance_metadata hands the diff to the driver; a driver failure is a fault, not a state change', async () => {
    const cloud = await bootCloud();
    try {
      const driver = new MetadataDriver({ ...fakeDriver('cmp1').options });
      await cloud.startCompute('cmp1', driver);
      const active = await activeInstance(cloud);
      const ctx = userContext();
      await cloud.compute.cast(ctx, 'change_instance_metadata', { instance: active, diff: { role: ['+', 'db'] } }, { server: 'cmp1' });
      await until(() => driver.changes.length === 1, 'the driver call');
      assert.deepEqual(driver.changes[0], { uuid: active.uuid, diff: { role: ['+', 'db'] } });

      driver.failing = true;
      await cloud.compute.cast(ctx, 'change_instance_metadata', { instance: active, diff: { role: ['-'] } }, { server: 'cmp1' });
      await until(async () => (await faultsOf(cloud, active.uuid as string)).length === 1, 'the fault');
      assert.match((await faultsOf(cloud, active.uuid as string))[0]?.message ?? '', /metadata service unreachable/);
      assert.ok(cloud.notifications.messages.some((m) => m.event_type === 'change_instance_metadata' && m.priority === 'ERROR'));
      assert.equal((await waitForRest(cloud, active.uuid as string)).vm_state, 'active');
    } finally {
      await cloud.close();
    }
  });

  it('consoleauth keeps a token for console_token_ttl and accepts it only while the host confirms its port', async () => {
    const cloud = await bootCloud();
    let now = 1_000_000;
    const manager = new ConsoleAuthManager('ctl', {
      tokenTtl: 600,
      conductor: cloud.conductor(),
      compute: cloud.compute,
      now: () => now,
    });
    const server = new RpcServer(cloud.transport, 'consoleauth', 'ctl', contractEndpoint(consoleAuthContract, manager));
    await server.start();
    try {
      const driver = fakeDriver('cmp1');
      await cloud.startCompute('cmp1', driver);
      const active = await activeInstance(cloud);
      const [name] = await driver.listInstances();
      const port = (await driver.getVncConsole({ name, uuid: active.uuid } as VirtInstance)).port;
      const consoleauth: ConsoleAuthClient = new ContractClient(cloud.transport, consoleAuthContract);
      const ctx = userContext();
      const authorize = (token: string, tokenPort: number, instanceUuid: string | null) =>
        consoleauth.call(ctx, 'authorize_console', {
          token,
          console_type: 'novnc',
          host: '127.0.0.1',
          port: tokenPort,
          internal_access_path: null,
          instance_uuid: instanceUuid,
        });
      await authorize('good', port, active.uuid as string);
      await authorize('stale-port', port + 1, active.uuid as string);
      await authorize('no-instance', port, null);

      const checked = await consoleauth.call(ctx, 'check_token', { token: 'good' });
      assert.equal(checked?.instance_uuid, active.uuid);
      assert.equal(checked?.port, port);
      assert.equal(await consoleauth.call(ctx, 'check_token', { token: 'stale-port' }), null);
      assert.equal(await consoleauth.call(ctx, 'check_token', { token: 'no-instance' }), null);
      assert.equal(await consoleauth.call(ctx, 'check_token', { token: 'never-issued' }), null);

      now += 601;
      assert.equal(await consoleauth.call(ctx, 'check_token', { token: 'good' }), null, 'expired after console_token_ttl');

      await authorize('again', port, active.uuid as string);
      await consoleauth.cast(ctx, 'delete_tokens_for_instance', { instance_uuid: active.uuid as string });
      await until(async () => (await consoleauth.call(ctx, 'check_token', { token: 'again' })) === null, 'the tokens to go');
    } finally {
      await server.stop();
      await cloud.close();
    }
  });
});
