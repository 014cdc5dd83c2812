import { defineGroup, opt } from '../config/registry.js';

/** EC2 versions Grizzly leaves off config drives unless told otherwise. */
export const DEFAULT_SKIP_VERSIONS = '1.0 2007-01-19 2007-03-01 2007-08-29 2007-10-10 2007-12-15 2008-02-01 2008-09-01';

/**
 * Config drive options (Grizzly's `nova/virt/configdrive.py`, `nova/api/metadata/base.py`
 * and the Hyper-V driver's). What goes on the drive is decided here; the virt drivers
 * read the same options to build and attach the image.
 */
export const configDriveOpts = defineGroup('DEFAULT', {
  config_drive_format: opt.str('iso9660', 'File system of config drives: iso9660 (attached as a CD-ROM) or vfat (a disk).', {
    choices: ['iso9660', 'vfat'],
  }),
  config_drive_tempdir: opt.str(
    null,
    'Directory for the files of a config drive while it is built; unset means the system temporary directory.',
  ),
  force_config_drive: opt.str(null, 'Attach a config drive to every instance, asked for or not, when set (`always`).'),
  mkisofs_cmd: opt.str('genisoimage', 'Program (name or path) that builds ISO 9660 config drives.'),
  config_drive_skip_versions: opt.str(DEFAULT_SKIP_VERSIONS, 'EC2 metadata versions, space-separated, left off config drives.'),
  config_drive_cdrom: opt.bool(false, 'Hyper-V: attach the config drive as a CD-ROM instead of a disk.'),
  config_drive_inject_password: opt.bool(false, 'Hyper-V: put the admin password on the config drive.'),
});
