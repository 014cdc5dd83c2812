/**
 * The metadata tree and its text rendering. A directory lists its children's names sorted,
 * one per line, a sub-directory with a trailing `/` unless it carries a display name
 * (EC2's `public-keys/` lists `0=<key name>`); a list prints one item per line; a value
 * prints as itself. Paths are walked through directories only: a list item or a value has
 * no children.
 */

export class MdDir {
  readonly children: Readonly<Record<string, MdNode>>;
  /** Printed in the parent's listing instead of `<name>/`. */
  readonly displayName: string | null;

  constructor(children: Record<string, MdNode>, displayName: string | null = null) {
    this.children = children;
    this.displayName = displayName;
  }
}

/** The guest's password endpoint: the handler decides per method what it answers. */
export class MdPassword {
  readonly current: string | null;
  constructor(current: string | null) {
    this.current = current;
  }
}

export type MdScalar = string | number | null;
export type MdNode = MdDir | readonly string[] | MdScalar | Buffer | MdPassword;

/** Text of a node as the metadata service returns it. */
export function renderNode(node: MdNode): Buffer {
  if (Buffer.isBuffer(node)) return node;
  if (node instanceof MdDir) {
    const lines = Object.keys(node.children)
      .sort()
      .map((name) => {
        const child = node.children[name];
        if (child instanceof MdDir) return child.displayName ?? `${name}/`;
        return name;
      });
    return Buffer.from(lines.join('\n'));
  }
  if (node instanceof MdPassword) return Buffer.from(node.current ?? '');
  if (Array.isArray(node)) return Buffer.from(node.join('\n'));
  return Buffer.from(node === null ? 'None' : String(node));
}

/** The node at `tokens` below `root`, or undefined when there is none. */
export function findPath(root: MdNode, tokens: readonly string[]): MdNode | undefined {
  let node: MdNode = root;
  for (const token of tokens) {
    if (!(node instanceof MdDir) || !Object.hasOwn(node.children, token)) return undefined;
    node = node.children[token] as MdNode;
  }
  return node;
}

/** A directory as a plain object for JSON (the config drive's `meta-data.json`); display names are dropped. */
export function toPlain(node: MdNode): unknown {
  if (node instanceof MdDir) {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(node.children)) out[name] = toPlain(child);
    return out;
  }
  if (Buffer.isBuffer(node)) return node.toString('utf8');
  if (node instanceof MdPassword) return node.current;
  return node;
}
