import { defineGroup, opt } from '../config/registry.js';

export const virtOpts = defineGroup('DEFAULT', {
  compute_driver: opt.str(
    null,
    'Hypervisor driver nova-compute uses: `fake` (also `fake.FakeDriver`, `nova.virt.fake.FakeDriver`). Required by nova-compute.',
  ),
});
