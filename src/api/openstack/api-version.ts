/**
 * Compute API microversions. The advertised range is one pair of constants: raising the
 * maximum is a data change, and every delta above 2.1 is gated where it is implemented
 * with `req.apiVersion.matches('2.N')`.
 */

import { InvalidAPIVersionString, InvalidGlobalAPIVersion } from '../errors.js';

export const MIN_API_VERSION = '2.1';
export const MAX_API_VERSION = '2.1';

export const API_VERSION_HEADER = 'OpenStack-API-Version';
export const LEGACY_API_VERSION_HEADER = 'X-OpenStack-Nova-API-Version';
export const API_VERSION_SERVICE = 'compute';

const VERSION_PATTERN = /^([1-9]\d*)\.([1-9]\d*|0)$/;

export class APIVersion {
  readonly major: number;
  readonly minor: number;

  constructor(major: number, minor: number) {
    this.major = major;
    this.minor = minor;
  }

  static parse(text: string): APIVersion {
    const m = VERSION_PATTERN.exec(text);
    if (!m) throw new InvalidAPIVersionString(text);
    return new APIVersion(Number(m[1]), Number(m[2]));
  }

  static readonly min = APIVersion.parse(MIN_API_VERSION);
  static readonly max = APIVersion.parse(MAX_API_VERSION);

  compare(other: APIVersion | string): number {
    const o = typeof other === 'string' ? APIVersion.parse(other) : other;
    return this.major !== o.major ? this.major - o.major : this.minor - o.minor;
  }

  /** True when this version lies in [min, max]; either bound may be omitted (null = open). */
  matches(min?: APIVersion | string | null, max?: APIVersion | string | null): boolean {
    if (min !== undefined && min !== null && this.compare(min) < 0) return false;
    if (max !== undefined && max !== null && this.compare(max) > 0) return false;
    return true;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

type HeaderBag = Record<string, string | string[] | undefined>;

function headerValues(headers: HeaderBag, name: string): string[] {
  const raw = headers[name.toLowerCase()];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(','));
}

/**
 * The version string the client asked for, or null. The new header names its service
 * ("compute 2.3", possibly among other services); it wins over the legacy one.
 */
export function requestedVersionString(headers: HeaderBag): string | null {
  for (const entry of headerValues(headers, API_VERSION_HEADER)) {
    const [service, version, ...rest] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === API_VERSION_SERVICE && version !== undefined && rest.length === 0) return version;
  }
  const legacy = headerValues(headers, LEGACY_API_VERSION_HEADER);
  if (legacy.length > 0) return (legacy[legacy.length - 1] as string).trim();
  return null;
}

/** The version a /v2.1 request runs at: default 2.1, `latest` = the maximum, else parsed and range-checked. */
export function negotiateVersion(headers: HeaderBag): APIVersion {
  const requested = requestedVersionString(headers);
  if (requested === null) return APIVersion.min;
  if (requested.toLowerCase() === 'latest') return APIVersion.max;
  const version = APIVersion.parse(requested);
  if (!version.matches(APIVersion.min, APIVersion.max)) {
    throw new InvalidGlobalAPIVersion(version.toString(), MIN_API_VERSION, MAX_API_VERSION);
  }
  return version;
}

/** The response headers that echo a negotiated version. */
export function versionResponseHeaders(version: APIVersion): Record<string, string> {
  return {
    [API_VERSION_HEADER]: `${API_VERSION_SERVICE} ${version}`,
    [LEGACY_API_VERSION_HEADER]: version.toString(),
    Vary: `${API_VERSION_HEADER}, ${LEGACY_API_VERSION_HEADER}`,
  };
}
