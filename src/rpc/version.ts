/** RPC API versions `X.Y`, compared as Nova's rpc/dispatcher.py does. */

export interface RpcVersion {
  major: number;
  minor: number;
}

export function parseVersion(text: string): RpcVersion | null {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** A request at `requested` is served by an endpoint at `served` iff same major and minor not above. */
export function isCompatible(served: string, requested: string): boolean {
  const s = parseVersion(served);
  const r = parseVersion(requested);
  return s !== null && r !== null && s.major === r.major && r.minor <= s.minor;
}
