import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_BOOT_SCRIPT, renderBootScript, renderTemplate } from '../../../src/cloudpipe/bootscript.js';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';

describe('cloudpipe boot script', () => {
  it('fills bare and braced $names, keeps $$ as a literal dollar, and refuses a placeholder without a value', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: string.Template syntax is what is under test
    assert.equal(renderTemplate('a=$a b=${b} c=$$HOME d=$$$a', { a: '1', b: '2' }), 'a=1 b=2 c=$HOME d=$1');
    assert.throws(() => renderTemplate('x=$missing', {}), /no value for \$missing/);
  });

  it('renders the shipped script with the route, client count and EC2 endpoint of nova.conf', () => {
    const conf = Config.load({
      overrides: {
        DEFAULT: { dmz_net: '10.9.0.0', dmz_mask: '255.255.0.0', cnt_vpn_clients: 5, ec2_dmz_host: '192.0.2.7', ec2_port: 8773 },
      },
    });
    const script = renderBootScript(conf);
    assert.match(script, /^#!\/bin\/sh\n/);
    assert.match(script, /push "route 10\.9\.0\.0 255\.255\.0\.0 \$GATEWAY"/);
    assert.match(script, /DHCP_LOWER=\$\(to_ip \$\(\(BROADCAST - 5\)\)\)/);
    assert.match(script, /192\.0\.2\.7:8773/);
    assert.doesNotMatch(script, /\$\{[a-z_]+\}/, 'every placeholder is filled');
    assert.doesNotMatch(script, /\$\$/, 'escaped dollars become single ones');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder of the shipped template
    assert.ok(DEFAULT_BOOT_SCRIPT.includes('${num_vpn}'));
  });

  it('uses the boot_script_template file when one is configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-boot-'));
    try {
      const file = join(dir, 'boot.template');
      writeFileSync(file, 'route $dmz_net/$dmz_mask for $num_vpn clients; cost $$5\n');
      const conf = Config.load({ overrides: { DEFAULT: { boot_script_template: file } } });
      assert.equal(renderBootScript(conf), 'route 10.0.0.0/255.255.255.0 for 0 clients; cost $5\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
