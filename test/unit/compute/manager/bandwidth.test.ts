import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accumulateBandwidth } from '../../../../src/compute/manager/periodic.js';

describe('accumulateBandwidth (_poll_bandwidth_usage)', () => {
  it('adds the growth of each counter since the last read to this period’s totals', () => {
    const current = { bw_in: 100, bw_out: 50, last_ctr_in: 1000, last_ctr_out: 500 };
    assert.deepEqual(accumulateBandwidth(current, null, { bw_in: 1300, bw_out: 520 }), { bw_in: 400, bw_out: 70 });
  });
  it('counts all of a counter that went down (reset or rollover) as new', () => {
    const current = { bw_in: 100, bw_out: 50, last_ctr_in: 1000, last_ctr_out: 500 };
    assert.deepEqual(accumulateBandwidth(current, null, { bw_in: 30, bw_out: 600 }), { bw_in: 130, bw_out: 150 });
  });
  it('starts a new period from the last period’s counters', () => {
    const previous = { bw_in: 9999, bw_out: 9999, last_ctr_in: 1000, last_ctr_out: 500 };
    assert.deepEqual(accumulateBandwidth(null, previous, { bw_in: 1200, bw_out: 700 }), { bw_in: 200, bw_out: 200 });
  });
  it('starts at zero when nothing was read before', () => {
    assert.deepEqual(accumulateBandwidth(null, null, { bw_in: 1200, bw_out: 700 }), { bw_in: 0, bw_out: 0 });
  });
});
