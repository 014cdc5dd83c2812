/**
 * Version discovery documents: the list at the service root, one document per version,
 * and the 300 "choices" answer for any other path under the root.
 */

import { MAX_API_VERSION, MIN_API_VERSION } from './api-version.js';
import { urlJoin } from './urls.js';

export type VersionId = 'v2.0' | 'v2.1';

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

interface MediaType {
  base: string;
  type: string;
}

interface VersionInfo {
  id: VersionId;
  status: string;
  version: string;
  min_version: string;
  updated: string;
  /** The URL segment the version is served under. */
  segment: 'v2' | 'v2.1';
  mediaTypes: MediaType[];
}

const DESCRIBED_BY: Link = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

export const VERSIONS: readonly VersionInfo[] = [
  {
    id: 'v2.0',
    status: 'SUPPORTED',
    version: '',
    min_version: '',
    updated: '2011-01-21T11:33:21Z',
    segment: 'v2',
    mediaTypes: [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
  },
  {
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_API_VERSION,
    min_version: MIN_API_VERSION,
    updated: '2013-07-23T11:33:21Z',
    segment: 'v2.1',
    mediaTypes: [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  },
];

export function findVersion(id: string): VersionInfo | undefined {
  return VERSIONS.find((v) => v.id === id);
}

/** `<root>/v2/` or `<root>/v2.1/`: the self link of a version, identical in the list and in its document. */
function versionHref(root: string, info: VersionInfo): string {
  return urlJoin(root, info.segment, '');
}

export function versionList(root: string): { versions: unknown[] } {
  return {
    versions: VERSIONS.map((v) => ({
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [{ rel: 'self', href: versionHref(root, v) }],
    })),
  };
}

export function versionDocument(root: string, info: VersionInfo): { version: unknown } {
  return {
    version: {
      id: info.id,
      status: info.status,
      version: info.version,
      min_version: info.min_version,
      updated: info.updated,
      links: [{ rel: 'self', href: versionHref(root, info) }, { ...DESCRIBED_BY }],
      'media-types': info.mediaTypes.map((m) => ({ ...m })),
    },
  };
}

/** The 300 answer: every version, each linking to the requested path under that version. */
export function versionChoices(root: string, path: string): { choices: unknown[] } {
  return {
    choices: VERSIONS.map((v) => ({
      id: v.id,
      status: v.status,
      links: [{ rel: 'self', href: urlJoin(root, v.segment, path) }],
      'media-types': v.mediaTypes.map((m) => ({ ...m })),
    })),
  };
}
