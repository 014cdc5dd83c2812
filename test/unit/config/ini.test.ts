import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigFileError, parseIni } from '../../../src/config/ini.js';

describe('parseIni', () => {
  it('reads sections, both separators, comments and quotes', () => {
    const doc = parseIni('# c\n[DEFAULT]\na = 1\nb: two\n; c\n[x]\nq = "quoted value"\n', 'f.conf');
    assert.equal(doc.get('DEFAULT')?.get('a')?.[0]?.value, '1');
    assert.equal(doc.get('DEFAULT')?.get('b')?.[0]?.value, 'two');
    assert.equal(doc.get('x')?.get('q')?.[0]?.value, 'quoted value');
  });

  it('keeps every assignment of a repeated key in file order', () => {
    const doc = parseIni('[DEFAULT]\nm = one\nm = two\n', 'f.conf');
    assert.deepEqual(
      doc
        .get('DEFAULT')
        ?.get('m')
        ?.map((v) => v.value),
      ['one', 'two'],
    );
  });

  it('joins indented continuation lines onto the previous value', () => {
    const doc = parseIni('[DEFAULT]\nlong = first\n   second\n\tthird\nnext = x\n', 'f.conf');
    assert.equal(doc.get('DEFAULT')?.get('long')?.[0]?.value, 'first\nsecond\nthird');
    assert.equal(doc.get('DEFAULT')?.get('next')?.[0]?.value, 'x');
  });

  it('records the line of each value', () => {
    const doc = parseIni('[DEFAULT]\n\nkey = v\n', 'f.conf');
    assert.equal(doc.get('DEFAULT')?.get('key')?.[0]?.line, 3);
  });

  it('rejects an option outside any section with file and line', () => {
    assert.throws(
      () => parseIni('a = 1\n', 'f.conf'),
      (err: ConfigFileError) => {
        assert.match(err.message, /^f\.conf:1: a: option outside of any \[section\]$/);
        return true;
      },
    );
  });

  it('rejects a line that is neither a section nor an assignment', () => {
    assert.throws(() => parseIni('[DEFAULT]\njust words\n', 'f.conf'), /f\.conf:2: \[DEFAULT\]: expected "key = value"/);
  });
});
