import { defineGroup, opt } from '../../config/registry.js';
import { IPTABLES_FIREWALL_DRIVER } from './iptables.js';
import { NOOP_FIREWALL_DRIVER } from './noop.js';

/** Firewall options (nova/virt/firewall.py in Grizzly). */
export const firewallOpts = defineGroup('DEFAULT', {
  firewall_driver: opt.str(null, "Firewall driver for instances; unset means the hypervisor driver's own default.", {
    choices: [IPTABLES_FIREWALL_DRIVER, NOOP_FIREWALL_DRIVER],
  }),
  allow_same_net_traffic: opt.bool(true, 'Let instances on the same network reach each other whatever their security groups say.'),
});
