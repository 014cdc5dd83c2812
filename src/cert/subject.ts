/**
 * Certificate subjects in OpenSSL's `/C=US/ST=California/.../CN=name` notation, as
 * Nova's `user_cert_subject` and `project_cert_subject` options write them, and the
 * Python `%s` / `%.16s` formatting those options use.
 */
import type { JsonName } from '@peculiar/x509';

/** Python's `template % args` for `%s`, `%.Ns` and `%%`. */
export function formatPercent(template: string, args: readonly string[]): string {
  let i = 0;
  return template.replace(/%(%|\.(\d+)s|s)/g, (_m, what: string, width: string | undefined) => {
    if (what === '%') return '%';
    const value = args[i++] ?? '';
    return width === undefined ? value : value.slice(0, Number(width));
  });
}

export interface SubjectPart {
  type: string;
  value: string;
}

/** `/C=US/O=Org/CN=x` → its parts in order; escaped slashes (`\/`) stay in values. */
export function parseSlashSubject(subject: string): SubjectPart[] {
  const parts: SubjectPart[] = [];
  for (const raw of subject.split(/(?<!\\)\//)) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new Error(`malformed certificate subject component: ${raw}`);
    parts.push({ type: raw.slice(0, eq), value: raw.slice(eq + 1).replace(/\\\//g, '/') });
  }
  return parts;
}

export function slashSubject(parts: readonly SubjectPart[]): string {
  return parts.map((p) => `/${p.type}=${p.value.replace(/\//g, '\\/')}`).join('');
}

export function jsonName(parts: readonly SubjectPart[]): JsonName {
  return parts.map((p) => ({ [p.type]: [p.value] }));
}

/** Nova's `timeutils.isotime()`: seconds precision, `Z`. */
export function isoTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
