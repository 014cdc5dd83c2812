import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FloatingIpLimitExceeded,
  KeypairLimitExceeded,
  MetadataLimitExceeded,
  OnsetFileContentLimitExceeded,
  OnsetFileLimitExceeded,
  OnsetFilePathLimitExceeded,
  OverQuota,
  SecurityGroupLimitExceeded,
  TooManyInstances,
} from '../../../src/common/errors.js';
import { instancesAllowed, reduceInstanceCount, tooManyInstancesError } from '../../../src/quota/instances.js';
import { quotaErrorFor } from '../../../src/quota/limit-errors.js';

/** An OverQuota as checkDeltas() builds it for instances, cores and ram. */
function overQuota(
  overs: string[],
  limits: { instances: number; cores: number; ram: number },
  used: { instances: number; cores: number; ram: number },
) {
  return new OverQuota(overs, limits, {
    instances: { in_use: used.instances, reserved: 0 },
    cores: { in_use: used.cores, reserved: 0 },
    ram: { in_use: used.ram, reserved: 0 },
  });
}

const LIMITS = { instances: 10, cores: 20, ram: 51200 };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

describe('TooManyInstances message', () => {
  it('names instances with the requested min_count when the instance count is over', () => {
    const over = overQuota(['instances'], LIMITS, { instances: 10, cores: 10, ram: 5120 });
    const err = thrown(() => reduceInstanceCount(over, { minCount: 1, maxCount: 1, vcpus: 1, memoryMb: 512 }));
    assert.ok(err instanceof TooManyInstances);
    assert.equal(err.message, 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances');
    assert.equal(err.code, 413, 'QuotaError status; the v2.1 fault wrapper turns it into 403');
  });

  it('names cores with cores computed for max_count', () => {
    const over = overQuota(['cores'], LIMITS, { instances: 2, cores: 18, ram: 1024 });
    const err = thrown(() => reduceInstanceCount(over, { minCount: 2, maxCount: 3, vcpus: 4, memoryMb: 512 }));
    assert.ok(err instanceof TooManyInstances);
    assert.equal(err.message, 'Quota exceeded for cores: Requested 12, but already used 18 of 20 cores');
  });

  it('names ram with ram computed for max_count', () => {
    const over = overQuota(['ram'], { ...LIMITS, ram: 4096 }, { instances: 1, cores: 1, ram: 3072 });
    const err = thrown(() => reduceInstanceCount(over, { minCount: 1, maxCount: 2, vcpus: 1, memoryMb: 2048 }));
    assert.ok(err instanceof TooManyInstances);
    assert.equal(err.message, 'Quota exceeded for ram: Requested 4096, but already used 3072 of 4096 ram');
  });

  it('lists every resource over, comma-joined, and details the first one', () => {
    const over = overQuota(['cores', 'instances', 'ram'], LIMITS, { instances: 10, cores: 20, ram: 51200 });
    const err = tooManyInstancesError(over, { instances: 1, cores: 2, ram: 2048 });
    assert.equal(err.message, 'Quota exceeded for cores,instances,ram: Requested 2, but already used 20 of 20 cores');
    assert.deepEqual(err.kwargs, { overs: 'cores,instances,ram', req: 2, used: 20, allowed: 20, resource: 'cores' });
  });

  it('reports the positive delta of a resize as the request', () => {
    const over = new OverQuota(['ram'], { ram: 8192 }, { ram: { in_use: 6144, reserved: 0 } });
    assert.equal(
      tooManyInstancesError(over, { ram: 4096 }).message,
      'Quota exceeded for ram: Requested 4096, but already used 6144 of 8192 ram',
    );
  });
});

describe('instancesAllowed and min/max count', () => {
  it('takes the smallest headroom of instances, cores per vcpu and ram per MB', () => {
    const over = overQuota(['cores'], LIMITS, { instances: 1, cores: 14, ram: 0 });
    assert.equal(instancesAllowed(over, { vcpus: 2, memoryMb: 512 }), 3);
    assert.equal(instancesAllowed(over, { vcpus: 0, memoryMb: 0 }), 9, 'a zero-sized flavor is limited by instances only');
  });

  it('never goes below zero', () => {
    const over = overQuota(['cores'], LIMITS, { instances: 1, cores: 25, ram: 0 });
    assert.equal(instancesAllowed(over, { vcpus: 1, memoryMb: 1 }), 0);
  });

  it('ignores unlimited resources', () => {
    const over = overQuota(['ram'], { instances: -1, cores: -1, ram: 4096 }, { instances: 50, cores: 200, ram: 2048 });
    assert.equal(instancesAllowed(over, { vcpus: 4, memoryMb: 1024 }), 2);
  });

  it('retries with the allowed count when it lies between min_count and max_count', () => {
    const over = overQuota(['instances'], LIMITS, { instances: 7, cores: 7, ram: 0 });
    assert.equal(reduceInstanceCount(over, { minCount: 1, maxCount: 5, vcpus: 1, memoryMb: 1 }), 3);
    assert.equal(reduceInstanceCount(over, { minCount: 3, maxCount: 5, vcpus: 1, memoryMb: 1 }), 3);
  });

  it('refuses when fewer than min_count fit, requesting min_count instances', () => {
    const over = overQuota(['instances'], LIMITS, { instances: 7, cores: 7, ram: 0 });
    const err = thrown(() => reduceInstanceCount(over, { minCount: 4, maxCount: 5, vcpus: 1, memoryMb: 1 }));
    assert.ok(err instanceof TooManyInstances);
    assert.equal(err.message, 'Quota exceeded for instances: Requested 4, but already used 7 of 10 instances');
  });

  it('refuses instead of retrying when the headroom does not shrink the request', () => {
    const over = new OverQuota(
      ['cores'],
      { instances: 10, cores: 4, ram: 51200 },
      {
        instances: { in_use: 1, reserved: 0 },
        cores: { in_use: 6, reserved: 0 },
        ram: { in_use: 0, reserved: 0 },
      },
    );
    assert.throws(() => reduceInstanceCount(over, { minCount: 1, maxCount: 2, vcpus: 0, memoryMb: 0 }), TooManyInstances);
  });
});

describe('quotaErrorFor', () => {
  it("maps each non-instance resource to its QuotaError with Nova's message", () => {
    const meta = quotaErrorFor(new OverQuota(['metadata_items'], { metadata_items: 128 }, {}));
    assert.ok(meta instanceof MetadataLimitExceeded);
    assert.equal(meta.message, 'Maximum number of metadata items exceeds 128');
    assert.ok(quotaErrorFor(new OverQuota(['key_pairs'], { key_pairs: 1 }, {})) instanceof KeypairLimitExceeded);
    assert.ok(
      quotaErrorFor(new OverQuota(['security_group_rules'], { security_group_rules: 1 }, {})) instanceof SecurityGroupLimitExceeded,
    );
    assert.ok(quotaErrorFor(new OverQuota(['floating_ips'], { floating_ips: 1 }, {})) instanceof FloatingIpLimitExceeded);
    assert.equal(quotaErrorFor(new OverQuota(['instances'], { instances: 1 }, {})), undefined);
  });

  it('prefers file count, then path length, then content length for personality files', () => {
    const all = new OverQuota(['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files'], {}, {});
    assert.ok(quotaErrorFor(all) instanceof OnsetFileLimitExceeded);
    const both = new OverQuota(['injected_file_content_bytes', 'injected_file_path_bytes'], {}, {});
    const err = quotaErrorFor(both);
    assert.ok(err instanceof OnsetFilePathLimitExceeded);
    assert.equal(err.message, 'Personality file path too long');
    assert.ok(quotaErrorFor(new OverQuota(['injected_file_content_bytes'], {}, {})) instanceof OnsetFileContentLimitExceeded);
  });
});
