/**
 * The password a guest posts back, kept in the instance's system metadata as Nova keeps it
 * (`nova/api/metadata/password.py`): four chunks of 255 characters under `password_0`
 * .. `password_3`, so that it fits the 255-character value column.
 */

export const PASSWORD_CHUNKS = 4;
export const PASSWORD_CHUNK_LENGTH = 255;
/** The largest password (request body) the metadata service accepts. */
export const PASSWORD_MAX_SIZE = PASSWORD_CHUNKS * PASSWORD_CHUNK_LENGTH;

/** The stored password, or null when none is (chunks concatenate in key order). */
export function extractPassword(systemMetadata: Readonly<Record<string, string | null>>): string | null {
  const keys = Object.keys(systemMetadata)
    .filter((k) => k.startsWith('password_'))
    .sort();
  const joined = keys.map((k) => systemMetadata[k] ?? '').join('');
  return joined === '' ? null : joined;
}

/** The system metadata items that store `password`; null or '' gives empty chunks, which clears it. */
export function passwordSystemMetadata(password: string | null): Record<string, string> {
  let rest = password ?? '';
  const out: Record<string, string> = {};
  for (let i = 0; i < PASSWORD_CHUNKS; i++) {
    out[`password_${i}`] = rest.slice(0, PASSWORD_CHUNK_LENGTH);
    rest = rest.slice(PASSWORD_CHUNK_LENGTH);
  }
  return out;
}
