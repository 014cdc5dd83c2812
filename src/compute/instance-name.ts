/** The hypervisor-side name of an instance, from `instance_name_template`. */
import type { InstanceRecord } from '../db/api/instances.js';

/** instance_name_template applied to the instance (`instance-%08x` → `instance-0000002a`). */
export function instanceName(template: string, instance: Pick<InstanceRecord, 'id' | 'uuid'>): string {
  if (/%\(\w+\)/.test(template)) {
    let missing = false;
    const out = template.replace(/%\((\w+)\)(0?\d*)([sdx])/g, (_m, key: string, width: string, conv: string) => {
      const v = (instance as Record<string, unknown>)[key];
      if (v === undefined || v === null) {
        missing = true;
        return '';
      }
      return formatOne(v, width, conv);
    });
    return missing ? (instance.uuid ?? '') : out;
  }
  return template.replace(/%(0?\d*)([sdx])/, (_m, width: string, conv: string) => formatOne(instance.id, width, conv));
}

function formatOne(value: unknown, width: string, conv: string): string {
  let s = conv === 'x' ? Number(value).toString(16) : conv === 'd' ? String(Math.trunc(Number(value))) : String(value);
  const w = Number.parseInt(width || '0', 10);
  if (w > s.length) s = (width.startsWith('0') ? '0' : ' ').repeat(w - s.length) + s;
  return s;
}
