/** URL building shared by version documents and resource links. */

/**
 * Joins URL parts with single slashes, trimming slashes at the seams. An empty last part
 * asks for a trailing slash (`urlJoin(root, 'v2', '')` → `<root>/v2/`).
 */
export function urlJoin(...parts: string[]): string {
  if (parts.length === 0) return '';
  const clean = parts.filter((p) => p !== '').map((p) => p.replace(/^\/+|\/+$/g, ''));
  if (parts[parts.length - 1] === '') clean.push('');
  return clean.join('/');
}

/**
 * Applies `osapi_compute_link_prefix`: its scheme and host replace the request's, and its
 * path is put in front of the request's path.
 */
export function applyLinkPrefix(url: string, prefix: string | null): string {
  if (!prefix) return url;
  const original = new URL(url);
  const replacement = new URL(prefix);
  const path = replacement.pathname.replace(/\/+$/, '') + original.pathname;
  return `${replacement.protocol}//${replacement.host}${path}${original.search}`.replace(/\/+$/, '');
}
