/**
 * A stock Grizzly nova.conf loads: every option of Grizzly's sample (written out at its
 * sample default in grizzly-nova.conf) is either implemented and takes effect, or accepted
 * and reported as ignored. An option no Grizzly release has is still refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import '../../../src/cmd/all-opts.js';
import { commonOpts } from '../../../src/config/common-opts.js';
import { Config } from '../../../src/config/config.js';
import { GRIZZLY_OPTIONS } from '../../../src/config/grizzly-options.js';
import { ConfigFileError } from '../../../src/config/ini.js';
import { lookupDeprecated, lookupOpt } from '../../../src/config/registry.js';
import { generateSampleConfig } from '../../../src/config/sample.js';

const SAMPLE = new URL('./grizzly-nova.conf', import.meta.url).pathname;

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nova-grizzly-conf-')), 'nova.conf');
  writeFileSync(file, text);
  return file;
}

describe('a Grizzly nova.conf', () => {
  it('loads; implemented options take effect and the rest are listed as ignored', () => {
    const conf = Config.load({ configFiles: [SAMPLE] });
    assert.equal(conf.get(commonOpts).my_ip, '10.0.0.1');
    const ignored = new Set(conf.ignored.map((o) => `${o.group}.${o.name}`));
    for (const name of ['DEFAULT.api_paste_config', 'DEFAULT.rootwrap_config', 'DEFAULT.vmwareapi_api_retry_count', 'baremetal.driver']) {
      assert.ok(ignored.has(name), name);
    }
    for (const name of ['DEFAULT.libvirt_type', 'DEFAULT.lock_path', 'DEFAULT.instances_path', 'DEFAULT.s3_host', 'DEFAULT.ec2_host']) {
      assert.ok(!ignored.has(name), `${name} is implemented`);
    }
  });

  it('every Grizzly option name is either registered (or a deprecated name of one) or ignored, never an error', () => {
    for (const [group, names] of Object.entries(GRIZZLY_OPTIONS)) {
      const lines = [`[${group}]`];
      const unregistered = names.filter((n) => !lookupOpt(group, n) && !lookupDeprecated(group, n));
      for (const name of unregistered) lines.push(`${name} = anything`);
      const conf = Config.load({ configFiles: [write(`${lines.join('\n')}\n`)] });
      assert.deepEqual(
        conf.ignored.map((o) => o.name),
        unregistered,
        group,
      );
    }
  });

  it('an option in no Grizzly release is still an error naming file, line and key', () => {
    const file = write('[DEFAULT]\nmy_ip = 10.0.0.2\nno_such_option_anywhere = 1\n');
    assert.throws(
      () => Config.load({ configFiles: [file] }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigFileError);
        assert.match(err.message, /:3: .*no_such_option_anywhere.*unknown option/);
        return true;
      },
    );
    assert.throws(() => Config.load({ configFiles: [write('[xenserver]\nconnection_url = x\n')] }), ConfigFileError);
  });

  it('the sample config marks implemented options and lists the ignored Grizzly ones', () => {
    const sample = generateSampleConfig();
    assert.match(sample, /# \(implemented; type: [a-z]+\)\n#my_ip = /);
    assert.match(
      sample,
      /# \(not implemented: a Grizzly option nova-ts accepts and ignores, with a start-up warning\)\n#api_paste_config =\n/,
    );
    assert.match(sample, /\[baremetal\]/);
  });
});
