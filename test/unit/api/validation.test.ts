import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { pyRepr, pyStr } from '../../../src/api/openstack/pyrepr.js';
import { compileValidator } from '../../../src/api/openstack/validation.js';
import { ValidationError } from '../../../src/common/errors.js';

describe('pyRepr', () => {
  test('renders JSON values the way Python prints them', () => {
    assert.equal(pyRepr({ a: [1, true, null], b: 'x' }), "{'a': [1, True, None], 'b': 'x'}");
    assert.equal(pyRepr("it's"), '"it\'s"');
    assert.equal(pyRepr('a\nb'), "'a\\nb'");
    assert.equal(pyStr('plain'), 'plain');
    assert.equal(pyStr(false), 'False');
    assert.equal(pyRepr([]), '[]');
    assert.equal(pyRepr({}), '{}');
    assert.equal(pyRepr([[1, 2], { k: [{}] }]), "[[1, 2], {'k': [{}]}]");
  });

  test('renders values nested far deeper than the call stack could recurse', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { a: deep };
    const text = pyRepr(deep);
    assert.equal(text.length, 200_000 * 2 + 100_000 * 5 + 1);
    assert.ok(text.startsWith("[{'a': [{'a': "));
  });
});

const schema = Type.Object(
  {
    server: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 5 }),
        count: Type.Optional(Type.Integer({ minimum: 1 })),
        kind: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
        uuid: Type.Optional(Type.String({ format: 'uuid' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function messageOf(value: unknown, lenient = false): string {
  try {
    compileValidator(schema, 'body').validate(value, lenient);
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, 400);
    return err.message;
  }
  return 'valid';
}

describe('body validation', () => {
  test('names the field, its value and the jsonschema reason', () => {
    assert.equal(
      messageOf({ server: { name: 'toolong' } }),
      "Invalid input for field/attribute name. Value: toolong. 'toolong' is too long",
    );
    assert.equal(
      messageOf({ server: { name: 'x', count: 0 } }),
      'Invalid input for field/attribute count. Value: 0. 0 is less than the minimum of 1',
    );
    assert.equal(messageOf({ server: { name: 5 } }), "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'");
    assert.equal(
      messageOf({ server: { name: 'x', uuid: 'nope' } }),
      "Invalid input for field/attribute uuid. Value: nope. 'nope' is not a 'uuid'",
    );
  });

  test('reports missing and unexpected keys against their parent object', () => {
    assert.equal(messageOf({ server: {} }), "Invalid input for field/attribute server. Value: {}. 'name' is a required property");
    assert.equal(
      messageOf({ server: { name: 'x', extra: 1 } }),
      "Invalid input for field/attribute server. Value: {'name': 'x', 'extra': 1}. Additional properties are not allowed ('extra' was unexpected)",
    );
    assert.equal(messageOf(null), "None is not of type 'object'");
  });

  test('strips unknown keys in lenient mode and still enforces the rest', () => {
    const body = { server: { name: 'x', extra: 1 }, other: true };
    assert.equal(messageOf(body, true), 'valid');
    assert.deepEqual(body, { server: { name: 'x' } });
    assert.equal(messageOf({ server: { name: '' }, other: 1 }, true), "Invalid input for field/attribute name. Value: . '' is too short");
  });

  test('gives query errors without the field prefix', () => {
    const query = compileValidator(Type.Object({ limit: Type.String({ pattern: '^[0-9]+$' }) }), 'query');
    assert.throws(() => query.validate({ limit: 'x' }, false), { message: "'x' does not match '^[0-9]+$'" });
  });
});
