import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BoundedRegex, RegexSyntaxError } from '../../../src/common/bounded-regex.js';

const PATTERNS = [
  'abc',
  '^abc$',
  '^$',
  '$^',
  'a|b|',
  '(a|bc)*d',
  '(?:ab)+$',
  'a{2}',
  'a{2,}b',
  'a{1,3}?c',
  '^a{0,2}$',
  '[a-c]+',
  '[^a-c]',
  '[-a]',
  '[a-]x',
  '[\\d\\s]+',
  '\\w+\\.\\w+',
  '\\D\\W\\S',
  'x.y',
  '^.*$',
  '\\x41\\u0042',
  'a{,2}',
  'a{x}',
  '}{',
  'web-\\d+',
  '10\\.0\\.0\\.\\d+',
  '(a*)*b',
  '()',
  'a||b',
];
const TEXTS = [
  '',
  'a',
  'abc',
  'xabcx',
  'aab',
  'aaab',
  'bcd',
  'd',
  'ab.cd',
  'x\ny',
  'xzy',
  'AB',
  'a{,2}',
  'a{x}',
  '}{',
  'web-12',
  '10.0.0.7',
  ' 9',
  'ac',
  'aaac',
  'z',
];

describe('BoundedRegex', () => {
  test('matches what a JavaScript RegExp matches for the supported syntax', () => {
    for (const pattern of PATTERNS) {
      const bounded = new BoundedRegex(pattern);
      const native = new RegExp(pattern);
      for (const text of TEXTS) assert.equal(bounded.test(text), native.test(text), `/${pattern}/ on ${JSON.stringify(text)}`);
    }
  });

  test('agrees with RegExp on generated patterns and texts', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '(a|b)', '(ab)', '\\d', '^', '$');
    const quant = fc.constantFrom('', '*', '+', '?', '{2}', '{1,2}', '{0,}', '*?');
    const piece = fc.tuple(atom, quant).map(([a, q]) => (a === '^' || a === '$' ? a : a + q));
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
    const text = fc.stringMatching(/^[ab1]{0,8}$/);
    fc.assert(
      fc.property(pattern, text, (p, t) => new BoundedRegex(p).test(t) === new RegExp(p).test(t)),
      { seed: 7, numRuns: 2000 },
    );
  });

  test('patterns that backtrack catastrophically elsewhere run in linear time', () => {
    const text = `${'a'.repeat(20_000)}!`;
    for (const pattern of ['(a+)+$', '^(a|a)*$', '(a*)*b', '(.*a){20}$', 'a*a*a*a*a*a*a*b', '(\\w+\\s?)+$']) {
      assert.equal(new BoundedRegex(pattern).test(text), false, pattern);
    }
    assert.equal(new BoundedRegex('(a+)+!$').test(text), true);
  });

  test('refuses what engines read differently or only backtracking can do', () => {
    for (const pattern of [
      '(a)\\1',
      '(?=a)',
      '(?!a)',
      '(?<=a)b',
      '(?<n>a)',
      '(?i)a',
      '\\bword',
      '\\p{L}',
      '[[:alpha:]]',
      '[]a]',
      '[^]',
      'a**',
      'a*+',
      '*a',
      '^*',
      'a{3,1}',
      'a{256}',
      '(a',
      'a)',
      '[a',
      '[z-a]',
      '\\',
      '\\x4',
      '('.repeat(60) + ')'.repeat(60),
      '(a{255}){255}',
      'a'.repeat(1025),
    ]) {
      assert.throws(() => new BoundedRegex(pattern), RegexSyntaxError, pattern.slice(0, 40));
    }
  });
});
