/**
 * Every option a listener takes its port from (`listen_port`, `*_listen_port`), set to 0.
 * A test that starts the embedded cloud or nova-all uses these, so that it never fights
 * another test, another worktree's tests or a running cloud for a fixed port; found from
 * the option registry, so a listener added later is covered without editing each test.
 */
import '../../src/cmd/all-opts.js';
import { registeredGroups } from '../../src/config/registry.js';

/** `{group: {option: 0}}` for every listen port option. */
export function ephemeralListenPorts(): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [group, table] of registeredGroups()) {
    for (const [name, spec] of table) {
      if (spec.kind === 'port' && /(^|_)listen_port$/.test(name)) out[group] = { ...out[group], [name]: 0 };
    }
  }
  return out;
}

/** `overrides` with every listen port at 0 added under it (a port the caller sets wins). */
export function withEphemeralPorts(overrides: Record<string, Record<string, unknown>> = {}): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = { ...overrides };
  for (const [group, ports] of Object.entries(ephemeralListenPorts())) out[group] = { ...ports, ...overrides[group] };
  return out;
}

/** The same as nova.conf text, for a binary started as a process. */
export function ephemeralPortsConf(): string {
  return Object.entries(ephemeralListenPorts())
    .map(
      ([group, ports]) =>
        `[${group}]\n${Object.keys(ports)
          .map((name) => `${name} = 0\n`)
          .join('')}`,
    )
    .join('\n');
}
