// An ESLint rule that keeps the layers apart (the rules themselves are LAYER_RULES in
// eslint.config.js): a module matching a rule's `from` glob may not import (statically,
// dynamically, or for types only) a module whose path matches one of the rule's `forbid`
// globs, unless it also matches one of its `allow` globs. Specifiers are resolved against
// the importing file, so `../../db/x.js` is judged by where it lands.
// Globs: `**` spans folders, `*` stays within one path segment.
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

function globToRegExp(glob) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else {
      out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

function compile(rules) {
  return rules.map((r) => ({
    from: globToRegExp(r.from),
    forbid: r.forbid.map((glob) => ({ glob, re: globToRegExp(glob) })),
    allow: (r.allow ?? []).map(globToRegExp),
    because: r.because,
  }));
}

function toPosix(path) {
  return path.split(sep).join('/');
}

function specifierOf(node) {
  const source = node.source ?? node.argument?.literal ?? node.argument;
  return source?.type === 'Literal' && typeof source.value === 'string' ? source : null;
}

export const layerImportsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'forbid imports that cross the layers the wrong way' },
    schema: [
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            forbid: { type: 'array', items: { type: 'string' } },
            allow: { type: 'array', items: { type: 'string' } },
            because: { type: 'string' },
          },
          required: ['from', 'forbid', 'because'],
          additionalProperties: false,
        },
      },
    ],
    messages: { forbidden: '{{from}} may not import {{target}} ({{glob}}): {{because}}' },
  },
  create(context) {
    const cwd = context.cwd;
    const file = toPosix(relative(cwd, context.filename));
    const rules = compile(context.options[0] ?? []).filter((r) => r.from.test(file));
    if (rules.length === 0 || file.startsWith('..') || isAbsolute(file)) return {};
    const check = (node) => {
      const literal = specifierOf(node);
      if (!literal?.value.startsWith('.')) return;
      const target = toPosix(relative(cwd, resolve(dirname(context.filename), literal.value)));
      for (const rule of rules) {
        const hit = rule.forbid.find((f) => f.re.test(target));
        if (hit && !rule.allow.some((re) => re.test(target))) {
          context.report({ node: literal, messageId: 'forbidden', data: { from: file, target, glob: hit.glob, because: rule.because } });
          return;
        }
      }
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
    };
  },
};

export default { rules: { imports: layerImportsRule } };
