// `npm run bench -- <name> [args]`: speed and memory measurements, never run by the tests.
const benches: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  rpc: async () => (await import('./rpc.js')).benchRpc,
  boot: async () => (await import('./boot.js')).benchBoot,
  guest: async () => (await import('./guest.js')).benchGuest,
  actions: async () => (await import('./actions.js')).benchActions,
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]\n`);
  process.exit(2);
}
await (await load())(args);
