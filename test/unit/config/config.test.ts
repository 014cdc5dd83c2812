import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Config, ConfigFileError } from '../../../src/config/config.js';
import { defineGroup, opt } from '../../../src/config/registry.js';
import { generateSampleConfig } from '../../../src/config/sample.js';

const testOpts = defineGroup('cfgtest', {
  count: opt.int(3, 'A count.', { min: 0 }),
  ratio: opt.float(1.5, 'A ratio.'),
  flag: opt.bool(false, 'A flag.'),
  names: opt.list(['a'], 'Names.'),
  repeated: opt.multi([], 'Repeated.'),
  mapping: opt.dict({}, 'Mapping.'),
  mode: opt.str('x', 'Mode.', { choices: ['x', 'y'] }),
  path: opt.str('$cfgtest_root/sub', 'Path under another option.'),
  renamed: opt.str(null, 'New name.', { deprecatedNames: [{ group: 'DEFAULT', name: 'old_name' }] }),
  secret: opt.str('hunter2', 'Secret.', { secret: true }),
});
defineGroup('DEFAULT', { cfgtest_root: opt.str('/root-default', 'Root.') });

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nova-cfg-'));
  const file = join(dir, 'nova.conf');
  writeFileSync(file, text);
  return file;
}

describe('Config', () => {
  it('returns registered defaults when nothing is configured', () => {
    const v = Config.load().get(testOpts);
    assert.equal(v.count, 3);
    assert.equal(v.flag, false);
    assert.deepEqual(v.names, ['a']);
  });

  it('coerces every option kind from a file', () => {
    const file = write(
      '[cfgtest]\ncount = 7\nratio = 0.25\nflag = True\nnames = p, q ,r\nrepeated = one\nrepeated = two\nmapping = k1:v1,k2:v2\nmode = y\n',
    );
    const v = Config.load({ configFiles: [file] }).get(testOpts);
    assert.equal(v.count, 7);
    assert.equal(v.ratio, 0.25);
    assert.equal(v.flag, true);
    assert.deepEqual(v.names, ['p', 'q', 'r']);
    assert.deepEqual(v.repeated, ['one', 'two']);
    assert.deepEqual(v.mapping, { k1: 'v1', k2: 'v2' });
    assert.equal(v.mode, 'y');
  });

  it('lets a later file win and accumulates multi-valued options across files', () => {
    const a = write('[cfgtest]\ncount = 1\nrepeated = a\n');
    const b = write('[cfgtest]\ncount = 2\nrepeated = b\n');
    const v = Config.load({ configFiles: [a, b] }).get(testOpts);
    assert.equal(v.count, 2);
    assert.deepEqual(v.repeated, ['a', 'b']);
  });

  it('reads every .conf file of --config-dir after the config files, in name order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-cfgdir-'));
    writeFileSync(join(dir, '20-b.conf'), '[cfgtest]\ncount = 20\n');
    writeFileSync(join(dir, '10-a.conf'), '[cfgtest]\ncount = 10\nflag = true\n');
    writeFileSync(join(dir, 'ignored.txt'), '[cfgtest]\ncount = 99\n');
    const base = write('[cfgtest]\ncount = 1\n');
    const conf = Config.load({ configFiles: [base], configDir: dir });
    assert.equal(conf.get(testOpts).count, 20);
    assert.equal(conf.get(testOpts).flag, true);
  });

  it('maps a deprecated Grizzly name onto the new option', () => {
    const file = write('[DEFAULT]\nold_name = legacy\n');
    assert.equal(Config.load({ configFiles: [file] }).get(testOpts).renamed, 'legacy');
  });

  it('interpolates $name references to DEFAULT options', () => {
    const file = write('[DEFAULT]\ncfgtest_root = /srv/nova\n');
    assert.equal(Config.load({ configFiles: [file] }).get(testOpts).path, '/srv/nova/sub');
    assert.equal(Config.load().get(testOpts).path, '/root-default/sub');
  });

  it('names file, line, section and key for a value of the wrong type', () => {
    const file = write('[cfgtest]\n\ncount = many\n');
    assert.throws(
      () => Config.load({ configFiles: [file] }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigFileError);
        assert.equal(err.message, `${file}:3: [cfgtest] count: expected an integer, got "many"`);
        return true;
      },
    );
  });

  it('rejects values outside the allowed range or choices', () => {
    assert.throws(() => Config.load({ configFiles: [write('[cfgtest]\ncount = -1\n')] }), /expected an integer >= 0/);
    assert.throws(() => Config.load({ configFiles: [write('[cfgtest]\nmode = z\n')] }), /expected one of x, y/);
    assert.throws(() => Config.load({ configFiles: [write('[cfgtest]\nflag = maybe\n')] }), /expected a boolean/);
  });

  it('rejects an unknown option and an unknown section', () => {
    assert.throws(() => Config.load({ configFiles: [write('[cfgtest]\nnope = 1\n')] }), /\[cfgtest\] nope: unknown option$/);
    assert.throws(() => Config.load({ configFiles: [write('[nosuchgroup]\nx = 1\n')] }), /\[nosuchgroup\] x: unknown section$/);
  });

  it('rejects a missing config file', () => {
    assert.throws(() => Config.load({ configFiles: ['/nonexistent/nova.conf'] }), /\/nonexistent\/nova\.conf:0: cannot read config file/);
  });

  it('masks secrets in the dump', () => {
    assert.equal(Config.load().dump().cfgtest?.secret, '****');
  });

  it('lets code overrides win over files', () => {
    const conf = Config.load({ configFiles: [write('[cfgtest]\ncount = 5\n')], overrides: { cfgtest: { count: 9 } } });
    assert.equal(conf.get(testOpts).count, 9);
  });
});

describe('generateSampleConfig', () => {
  it('lists every registered option commented out at its default with its help', () => {
    const sample = generateSampleConfig();
    assert.match(sample, /\[cfgtest\]/);
    assert.match(sample, /# A count\.\n# \(implemented; type: int\)\n#count = 3\n/);
    assert.match(sample, /# \(implemented; type: string; deprecated names: \[DEFAULT\] old_name\)\n#renamed = <None>/);
    assert.match(sample, /#mode = x/);
  });

  it('produces a file the loader accepts once uncommented', () => {
    const sample = generateSampleConfig()
      .split('\n')
      .map((l) => (/^#[a-z_]+ = /.test(l) && !l.includes('<None>') ? l.slice(1) : l))
      .join('\n');
    assert.doesNotThrow(() => Config.load({ configFiles: [write(sample)] }));
  });
});
