import { defineGroup, opt } from '../config/registry.js';

/** Options the compute API (the business-rule layer behind the servers resource) reads. */
export const computeApiOpts = defineGroup('DEFAULT', {
  default_schedule_zone: opt.str(null, 'Availability zone given to instances whose request names none; unset lets the scheduler choose.'),
  multi_instance_display_name_template: opt.str(
    '%(name)s-%(uuid)s',
    'Display name of each instance of a multi-create; %(name)s, %(uuid)s and %(count)d are filled in.',
  ),
  osapi_compute_unique_server_name_scope: opt.str(
    '',
    'Where instance hostnames must be unique: nowhere (empty), per project, or globally.',
    {
      choices: ['', 'project', 'global'],
    },
  ),
  enable_instance_password: opt.bool(true, 'Return the administrator password in create and rebuild responses.'),
  password_length: opt.int(12, 'Length of generated administrator passwords.', { min: 1 }),
  instance_name_template: opt.str('instance-%08x', 'Hypervisor-side instance name, filled from the instance id (or %(uuid)s).'),
  osapi_hide_server_address_states: opt.list(['building'], 'vm_states during which server addresses are hidden from non-admin callers.'),
  non_inheritable_image_properties: opt.list(
    ['cache_in_nova', 'bittorrent'],
    'Image properties a snapshot does not take over from the image its instance was built from.',
  ),
  reclaim_instance_interval: opt.int(
    0,
    'Seconds a deleted server is kept, restorable, before its host reclaims it; 0 deletes at once (deferred delete off).',
  ),
  allow_resize_to_same_host: opt.bool(false, 'Let a resize land on the host the server is on (a single-host cloud needs it).'),
  max_local_block_devices: opt.int(3, 'Most block devices with a local destination one instance may have; negative means no limit.'),
});
