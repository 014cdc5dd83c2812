import { defineGroup, opt } from '../config/registry.js';

/** What only the all-in-one nova-all reads. */
export const novaAllOpts = defineGroup('DEFAULT', {
  embedded_compute_hosts: opt.list(
    [],
    'Host names of further nova-compute services nova-all runs besides the one named by `host`, each with a fake hypervisor ' +
      'of its own, so that migrations and server group policies have somewhere to go.',
  ),
});
