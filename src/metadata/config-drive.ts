/**
 * The contents of an instance's config drive (volume label `config-2`): the same trees
 * the metadata service serves, as files. The compute manager builds it when the instance
 * asked for a drive (or `force_config_drive` is set), at spawn and again at rebuild, and
 * hands it to the virt driver, which turns it into an iso9660 or vfat image.
 */
import type { Config } from '../config/config.js';
import { type InjectedContent, InstanceMetadata } from './instance-metadata.js';
import { configDriveOpts } from './opts.js';
import { type InstanceFields, type InstanceMetadataSource, metadataSourceFromInstance, type SourceExtras } from './source.js';

export const CONFIG_DRIVE_LABEL = 'config-2';

export type ConfigDriveFormat = 'iso9660' | 'vfat';

export interface ConfigDriveContent {
  label: typeof CONFIG_DRIVE_LABEL;
  format: ConfigDriveFormat;
  /** Path on the drive (no leading `/`) → bytes. */
  files: Map<string, Buffer>;
}

export interface ConfigDriveSettings {
  format: ConfigDriveFormat;
  skipVersions: readonly string[];
  force: boolean;
}

export function configDriveSettings(conf: Config): ConfigDriveSettings {
  const o = conf.get(configDriveOpts);
  return {
    format: (o.config_drive_format ?? 'iso9660') as ConfigDriveFormat,
    skipVersions: (o.config_drive_skip_versions ?? '').split(' ').filter((v) => v !== ''),
    force: !!o.force_config_drive,
  };
}

/** Whether an instance gets a config drive: it asked for one (`config_drive`), or every instance does. */
export function configDriveRequired(instance: { config_drive?: string | null }, settings: Pick<ConfigDriveSettings, 'force'>): boolean {
  return !!instance.config_drive || settings.force;
}

/**
 * The drive's files for an instance. `files` (personality) and `adminPass` are what the
 * create request carried; they exist only here, never in the metadata service.
 */
export function configDriveContent(
  source: InstanceMetadataSource,
  request: { files?: readonly InjectedContent[]; adminPass?: string | null },
  settings: ConfigDriveSettings,
): ConfigDriveContent {
  const md = new InstanceMetadata(source, { files: request.files ?? [], adminPass: request.adminPass ?? null });
  return { label: CONFIG_DRIVE_LABEL, format: settings.format, files: md.configDriveFiles(settings.skipVersions) };
}

/**
 * The config drive of an instance record, or null when it gets none. The compute manager
 * calls this before spawn and before rebuild: the extras come from the conductor (block
 * device mappings, EC2 ids, the zone of its host), `request` from the build request.
 */
export function configDriveForInstance(
  instance: InstanceFields & { config_drive?: string | null },
  extras: SourceExtras,
  request: { files?: readonly InjectedContent[]; adminPass?: string | null },
  settings: ConfigDriveSettings,
): ConfigDriveContent | null {
  if (!configDriveRequired(instance, settings)) return null;
  return configDriveContent(metadataSourceFromInstance(instance, extras), request, settings);
}
