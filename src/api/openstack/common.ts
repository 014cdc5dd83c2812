/**
 * Helpers every resource module shares: paging parameters, links, and the two time
 * formats of the Compute API.
 */

import { InvalidInput } from '../../common/errors.js';
import { urlJoin } from './urls.js';
import type { Link } from './versions.js';

export type QueryValue = string | string[];
export type Query = Readonly<Record<string, QueryValue | undefined>>;

/** What link building needs to know about the request (ComputeRequest.urls). */
export interface RequestUrls {
  /** `scheme://host[:port][/prefix]`, with `osapi_compute_link_prefix` applied. */
  readonly root: string;
  /** `<root>/v2.1` or `<root>/v2`: the version the request came in on. */
  readonly versionRoot: string;
  /** The project id as written in the URL, or null when the URL had none. */
  readonly urlProjectId: string | null;
  /** The request's query string as received, in order, repeated keys included. */
  readonly queryPairs: ReadonlyArray<readonly [string, string]>;
}

/** The last value of a query parameter (what Nova reads for single-valued parameters). */
export function queryParam(query: Query, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Every value of a query parameter, for filters that accept lists. */
export function queryList(query: Query, name: string): string[] {
  const v = query[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? [...v] : [v];
}

/**
 * `limit` and `marker` as Nova reads them: limit must be a non-negative integer and is
 * capped at maxLimit (absent → maxLimit); marker is passed through for the DB layer to
 * resolve (an unknown marker is its MarkerNotFound).
 */
export function getLimitAndMarker(query: Query, maxLimit: number): { limit: number; marker: string | null } {
  let limit = maxLimit;
  const rawLimit = queryParam(query, 'limit');
  if (rawLimit !== undefined) {
    if (!/^\s*[+-]?\d+\s*$/.test(rawLimit)) throw new InvalidInput('limit param must be an integer');
    const n = Number.parseInt(rawLimit, 10);
    if (n < 0) throw new InvalidInput('limit param must be positive');
    limit = Math.min(n, maxLimit);
  }
  return { limit, marker: queryParam(query, 'marker') ?? null };
}

function projectSegment(urls: RequestUrls): string[] {
  return urls.urlProjectId === null ? [] : [urls.urlProjectId];
}

/** `self` (versioned) and `bookmark` (unversioned) links of one member of a collection. */
export function buildLinks(req: { urls: RequestUrls }, collection: string, id: string | number): Link[] {
  const tail = [...projectSegment(req.urls), collection, String(id)];
  return [
    { rel: 'self', href: urlJoin(req.urls.versionRoot, ...tail) },
    { rel: 'bookmark', href: urlJoin(req.urls.root, ...tail) },
  ];
}

/** The versioned URL of a collection member, e.g. for a `Location` header. */
export function selfHref(req: { urls: RequestUrls }, collection: string, id: string | number): string {
  return urlJoin(req.urls.versionRoot, ...projectSegment(req.urls), collection, String(id));
}

/** The next-page URL: the request's own query with `marker` replaced. */
export function collectionNextLink(req: { urls: RequestUrls }, collection: string, markerId: string | number): string {
  const params = new URLSearchParams();
  for (const [k, v] of req.urls.queryPairs) if (k !== 'marker') params.append(k, v);
  params.append('marker', String(markerId));
  return `${urlJoin(req.urls.versionRoot, ...projectSegment(req.urls), collection)}?${params.toString()}`;
}

/**
 * `<collection>_links` of a list response: a `next` link when the page is full, i.e. it
 * holds exactly min(limit, maxLimit) items.
 */
export function collectionLinks(
  req: { urls: RequestUrls; query: Query },
  items: ReadonlyArray<Record<string, unknown>>,
  collection: string,
  maxLimit: number,
  idKey = 'uuid',
): Link[] {
  const { limit } = getLimitAndMarker(req.query, maxLimit);
  const last = items[items.length - 1];
  if (limit === 0 || items.length !== limit || last === undefined) return [];
  const id = last[idKey] ?? last.id ?? last.flavorid;
  return [{ rel: 'next', href: collectionNextLink(req, collection, String(id)) }];
}

/** A Date from a JS Date or a database timestamp string (zone-less strings are UTC). */
export function toDate(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const s = value.trim().replace(' ', 'T');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  return new Date(hasZone ? s : `${s}Z`);
}

/** `2013-05-01T12:00:00Z`: server and image `created`/`updated`. */
export function isoTime(value: Date | string | number): string {
  return `${toDate(value).toISOString().slice(0, 19)}Z`;
}

/** `2013-05-01T12:00:00.000000`: raw DB timestamps in bodies (naive UTC, microseconds); null stays null. */
export function naiveIsoTime(value: Date | string | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    // Keep the microseconds a database string carries; a Date would round them to milliseconds.
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(value.trim());
    if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}`;
  }
  const iso = toDate(value).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000`;
}
