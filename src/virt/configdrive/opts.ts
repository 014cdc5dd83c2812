import { defineGroup, opt } from '../../config/registry.js';

/** Config drives (nova/virt/configdrive.py). */
export const configDriveOpts = defineGroup('DEFAULT', {
  config_drive_format: opt.str('iso9660', 'Format of config drives: iso9660 (attached as a cdrom) or vfat (a disk).', {
    choices: ['iso9660', 'vfat'],
  }),
  config_drive_tempdir: opt.str(null, 'Where config drives are assembled; unset means the system temporary directory.'),
  mkisofs_cmd: opt.str('genisoimage', 'Command that builds ISO9660 images.'),
});
