/**
 * The metadata versions Grizzly serves (`nova/api/metadata/base.py`): the EC2 dates a
 * guest may name in its path, and the OpenStack dates. `latest` is the newest of each.
 */

export const EC2_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
] as const;

export const FOLSOM = '2012-08-10';
export const GRIZZLY = '2013-04-04';
export const OPENSTACK_VERSIONS = [FOLSOM, GRIZZLY] as const;

export const LATEST = 'latest';

/** The EC2 version a path names (`latest` resolved), or null for one Grizzly does not have. */
export function resolveEc2Version(version: string): string | null {
  if (version === LATEST) return EC2_VERSIONS[EC2_VERSIONS.length - 1] as string;
  return (EC2_VERSIONS as readonly string[]).includes(version) ? version : null;
}

export function resolveOpenstackVersion(version: string): string | null {
  if (version === LATEST) return OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1] as string;
  return (OPENSTACK_VERSIONS as readonly string[]).includes(version) ? version : null;
}

/** Whether `requested` (a resolved version) is `required` or newer; both from the same list. */
export function versionAtLeast(versions: readonly string[], required: string, requested: string): boolean {
  return versions.indexOf(requested) >= versions.indexOf(required);
}

/** `GET /` and `GET /ec2`: every EC2 version and `latest`. */
export function ec2VersionList(): string[] {
  return [...EC2_VERSIONS, LATEST];
}

/** `GET /openstack`: the versions already published on `today` (UTC), and `latest`. */
export function openstackVersionList(now: Date): string[] {
  const today = now.toISOString().slice(0, 10);
  return [...OPENSTACK_VERSIONS.filter((v) => v <= today), LATEST];
}
