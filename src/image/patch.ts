/**
 * Glance's JSON-patch dialect (`application/openstack-images-v2.1-json-patch`): a list
 * of `{"op": "add"|"replace"|"remove", "path": "/<attribute>", "value": ...}` whose
 * paths name one top-level attribute each.
 */
import { ImageBadRequest } from './errors.js';

export const PATCH_MEDIA_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'] as const;

export type PatchOp = { op: 'add' | 'replace'; attribute: string; value: unknown } | { op: 'remove'; attribute: string };

const OPS = new Set(['add', 'replace', 'remove']);

function decodePointer(path: string): string {
  if (!path.startsWith('/')) throw new ImageBadRequest(`Pointer \`${path}\` does not start with "/".`);
  const segments = path.slice(1).split('/');
  if (segments.length !== 1 || segments[0] === '') throw new ImageBadRequest('Nested paths are not allowed');
  const raw = segments[0] as string;
  if (/~(?![01])/.test(raw)) throw new ImageBadRequest(`Pointer \`${path}\` contains "~" not part of a recognized escape sequence.`);
  return raw.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Parses a request body into operations; anything malformed is a 400, as in Glance. */
export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) throw new ImageBadRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ImageBadRequest('Operations must be JSON objects.');
    const item = raw as Record<string, unknown>;
    if (typeof item.op !== 'string' || !OPS.has(item.op)) {
      throw new ImageBadRequest(`Invalid operation: \`${String(item.op)}\`: only add, replace and remove are supported.`);
    }
    if (typeof item.path !== 'string') throw new ImageBadRequest('Unable to find `path` in JSON Schema change');
    const attribute = decodePointer(item.path);
    if (item.op === 'remove') return { op: 'remove', attribute };
    if (!('value' in item)) throw new ImageBadRequest(`Operation "${item.op}" requires a member named "value".`);
    return { op: item.op as 'add' | 'replace', attribute, value: item.value };
  });
}
