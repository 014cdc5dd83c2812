/** Reads `GET /v2/images` query strings the way Glance does. */
import type { MemberStatusFilter, VisibilityFilter } from '../db/image/store.js';
import { ImageBadRequest } from './errors.js';
import { type ListRequest, SORT_KEYS, type SortDir, type SortKey } from './service.js';

const PAGING = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir']);
const KNOWN_FILTERS = new Set([
  'name',
  'status',
  'visibility',
  'owner',
  'member_status',
  'tag',
  'disk_format',
  'container_format',
  'size_min',
  'size_max',
  'protected',
  'os_hidden',
  'id',
]);

function sortKey(value: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(value))
    throw new ImageBadRequest(`Invalid sort key: ${value}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  return value as SortKey;
}

function sortDir(value: string): SortDir {
  if (value !== 'asc' && value !== 'desc') throw new ImageBadRequest(`Invalid sort direction: ${value}`);
  return value;
}

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new ImageBadRequest(`${name} param must be an integer`);
  return Number(value);
}

function bool(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ImageBadRequest(`Invalid value for ${name}: ${value}; expected true or false.`);
}

function sortOrder(params: URLSearchParams): [SortKey, SortDir][] {
  const sort = params.get('sort');
  const keys = params.getAll('sort_key');
  const dirs = params.getAll('sort_dir');
  if (sort !== null) {
    if (keys.length || dirs.length) throw new ImageBadRequest('The "sort" parameter cannot be combined with sort_key or sort_dir.');
    return sort
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((item) => {
        const [key, dir] = item.split(':', 2) as [string, string | undefined];
        return [sortKey(key.trim()), sortDir((dir ?? 'desc').trim())];
      });
  }
  if (dirs.length > 1 && dirs.length !== keys.length)
    throw new ImageBadRequest('Number of sort dirs does not match the number of sort keys');
  const chosen = keys.length ? keys : ['created_at'];
  return chosen.map((k, i) => [sortKey(k), sortDir(dirs.length > 1 ? (dirs[i] as string) : (dirs[0] ?? 'desc'))]);
}

export function parseListQuery(params: URLSearchParams, defaultLimit: number, maxLimit: number): ListRequest {
  const limitText = params.get('limit');
  const limit = limitText === null ? defaultLimit : Math.min(integer('limit', limitText), maxLimit);
  const filters: ListRequest['filters'] = {};
  const properties: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    if (PAGING.has(key)) continue;
    const value = params.get(key) as string;
    if (!KNOWN_FILTERS.has(key)) {
      properties[key] = value;
      continue;
    }
    switch (key) {
      case 'visibility':
        if (!['public', 'private', 'shared', 'community', 'all'].includes(value))
          throw new ImageBadRequest(`Invalid visibility value: ${value}`);
        filters.visibility = value as VisibilityFilter;
        break;
      case 'member_status':
        if (!['accepted', 'pending', 'rejected', 'all'].includes(value)) throw new ImageBadRequest(`Invalid status value: ${value}`);
        filters.memberStatus = value as MemberStatusFilter;
        break;
      case 'tag':
        filters.tags = params.getAll('tag');
        break;
      case 'size_min':
      case 'size_max':
        filters[key] = integer(key, value);
        break;
      case 'protected':
      case 'os_hidden':
        filters[key] = bool(key, value);
        break;
      case 'id':
        filters.ids = value.startsWith('in:')
          ? value
              .slice(3)
              .split(',')
              .map((s) => s.trim())
          : [value];
        break;
      default:
        filters[key as 'name' | 'status' | 'owner' | 'disk_format' | 'container_format'] = value;
    }
  }
  if (Object.keys(properties).length) filters.properties = properties;
  return { filters, sort: sortOrder(params), limit, marker: params.get('marker') };
}

/** Glance's `first` link: the request's own query without a marker. */
export function firstLink(params: URLSearchParams): string {
  const copy = new URLSearchParams(params);
  copy.delete('marker');
  const text = copy.toString();
  return text ? `/v2/images?${text}` : '/v2/images';
}

export function nextLink(params: URLSearchParams, marker: string): string {
  const copy = new URLSearchParams(params);
  copy.set('marker', marker);
  return `/v2/images?${copy.toString()}`;
}
