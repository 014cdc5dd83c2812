import { defineGroup, opt } from '../../config/registry.js';

/** The QEMU driver's own options (nova-ts additions; Grizzly had only the libvirt driver). */
export const qemuOpts = defineGroup('DEFAULT', {
  qemu_binary: opt.str('qemu-system-x86_64', 'QEMU system emulator the QEMU driver launches.'),
  qemu_accel: opt.str('auto', 'Accelerator: kvm, tcg, or auto (kvm when /dev/kvm is usable and the CPU has vmx/svm, else tcg).', {
    choices: ['auto', 'kvm', 'tcg'],
  }),
  qemu_machine: opt.str('pc', 'QEMU machine type.'),
  qemu_vif_type: opt.str(
    'user',
    'How guests are networked: user (QEMU user-mode network, no root needed, metadata forwarded with guestfwd) or bridge (a tap plugged into the bridge of the VIF’s network, as nova-network’s linux_net sets up).',
    {
      choices: ['user', 'bridge'],
    },
  ),
  qemu_metadata_forward: opt.str(
    null,
    'host:port of the metadata service: each user-mode guest’s 169.254.169.254:80 reaches a forwarder in nova-compute that sends its requests there, signed for that guest when service_quantum_metadata_proxy is set (else with its fixed IP in X-Forwarded-For); unset means metadata_host:metadata_port.',
  ),
  qemu_ssh_forward: opt.bool(
    true,
    'Forward a free loopback port to the guest’s port 22 (user-mode network); the port is logged and kept in the instance directory.',
  ),
  qemu_user_network_restrict: opt.bool(false, 'Isolate user-mode guests: they reach only the metadata and SSH forwards.'),
  qemu_wait_soft_reboot_seconds: opt.int(
    120,
    'Seconds a soft reboot waits for the guest to power off after the ACPI power button before it reboots the guest hard.',
    { min: 0 },
  ),
  qemu_launch_timeout_seconds: opt.int(60, 'Seconds a starting QEMU has to open its monitor socket.', { min: 1 }),
  qemu_live_migration_listen: opt.str('127.0.0.1', 'Address an incoming live migration listens on (the destination’s QEMU).'),
});
