import { dhcpbridgeMain } from './dhcpbridge.js';

const code = await dhcpbridgeMain(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exit(code);
