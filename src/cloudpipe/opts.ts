import { defineGroup, opt } from '../config/registry.js';

/** Options of cloudpipe, the per-project VPN instance (Grizzly's nova/cloudpipe/pipelib.py). */
export const cloudpipeOpts = defineGroup('DEFAULT', {
  vpn_image_id: opt.str('0', 'Image id of the OpenVPN appliance; instances of this image are the cloudpipe VPNs.'),
  vpn_instance_type: opt.str('m1.tiny', 'Flavor name of cloudpipe VPN instances.'),
  boot_script_template: opt.str(null, 'Template of the boot script a VPN instance runs; unset means the one nova-ts ships.'),
  dmz_net: opt.str('10.0.0.0', 'Network pushed to VPN clients as a route.'),
  dmz_mask: opt.str('255.255.255.0', 'Netmask of dmz_net.'),
});
