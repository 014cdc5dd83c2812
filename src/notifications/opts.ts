import { defineGroup, opt } from '../config/registry.js';

export const notificationOpts = defineGroup('DEFAULT', {
  notification_driver: opt.multi(
    [],
    'Where notifications go; may be repeated. `noop`, `log`, `rpc` (topics notifications.<priority> on the bus), `rpc2` (the same inside the 2.0 envelope), or Grizzly module paths (nova.openstack.common.notifier.rpc_notifier, …). Empty: no notifications are emitted.',
  ),
  default_notification_level: opt.str('INFO', 'Priority of notifications that name none.', {
    choices: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'],
  }),
  default_publisher_id: opt.str(null, 'Publisher of notifications that name none; defaults to the host option.'),
  notification_topics: opt.list(
    ['notifications'],
    'Topics the rpc driver publishes to, each suffixed by the priority (notifications.info).',
  ),
  notify_on_state_change: opt.str(
    null,
    'Send compute.instance.update on instance updates: `vm_state` or `vm_and_task_state` (the latter includes task_state changes in the state fields).',
    {
      choices: ['vm_state', 'vm_and_task_state'],
    },
  ),
  notify_on_any_change: opt.bool(false, 'Send compute.instance.update on every instance update.'),
});

export const rpcNotifier2Opts = defineGroup('rpc_notifier2', {
  topics: opt.list(['notifications'], 'Topics the rpc2 notification driver publishes to.'),
});
