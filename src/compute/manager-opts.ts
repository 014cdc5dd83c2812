import { defineGroup, opt } from '../config/registry.js';

/** The compute manager's periodic tasks (nova/compute/manager.py interval_opts and timeout_opts). */
export const computePeriodicOpts = defineGroup('DEFAULT', {
  sync_power_state_interval: opt.int(600, 'Seconds between syncs of instance power states with the hypervisor; negative disables.'),
  heal_instance_info_cache_interval: opt.int(60, 'Seconds between refreshes of one instance network info cache; 0 disables.'),
  reboot_timeout: opt.int(0, 'Seconds after which a reboot still in progress is handed to the driver to finish; 0 disables.'),
  rescue_timeout: opt.int(0, 'Seconds after which a rescued instance is unrescued automatically; 0 disables.'),
  resize_confirm_window: opt.int(0, 'Seconds after which a finished resize is confirmed automatically; 0 disables.'),
  instance_build_timeout: opt.int(0, 'Seconds an instance may stay building before it is set to ERROR; 0 disables.'),
  running_deleted_instance_action: opt.str('log', 'What to do with guests still running whose instance is deleted.', {
    choices: ['noop', 'log', 'reap'],
  }),
  running_deleted_instance_poll_interval: opt.int(1800, 'Seconds between checks for guests of deleted instances.'),
  running_deleted_instance_timeout: opt.int(0, 'Seconds a deleted instance may keep a running guest before the action applies.'),
  bandwidth_poll_interval: opt.int(600, 'Seconds between bandwidth counter polls; 0 disables.'),
  shelved_offload_time: opt.int(0, 'Seconds a shelved instance keeps its guest before it is offloaded; 0 at once, -1 never.'),
  shelved_poll_interval: opt.int(3600, 'Seconds between checks for shelved instances to offload.'),
});
