/**
 * RSA PKCS#1 v1.5 decryption (what `openssl rsautl -decrypt` did for Nova), for unwrapping
 * the AES key and IV of EC2 image bundles. Node 20 refuses PKCS#1 v1.5 private
 * decryption because of the Marvin timing attack, so the raw RSA operation is done by
 * OpenSSL (RSA_NO_PADDING, blinded) and the padding is removed here with implicit
 * rejection: a ciphertext whose padding is wrong yields a deterministic pseudo-random
 * message instead of an error, so that callers cannot be used as a padding oracle.
 */
import { constants, createHash, createHmac, type KeyObject, privateDecrypt } from 'node:crypto';

export class RsaDecryptionError extends Error {}

/** Bytes the synthetic message of a rejected ciphertext has; a wrapped AES key or IV in hex is 32. */
const SYNTHETIC_LENGTH = 32;

export function rsaPkcs1Decrypt(key: KeyObject, ciphertext: Buffer): Buffer {
  const details = key.asymmetricKeyDetails;
  const modulusBytes = Math.ceil((details?.modulusLength ?? 0) / 8);
  if (key.asymmetricKeyType !== 'rsa' || modulusBytes === 0) throw new RsaDecryptionError('the key is not an RSA private key');
  if (ciphertext.length !== modulusBytes) {
    throw new RsaDecryptionError(`data is ${ciphertext.length} bytes; this key decrypts blocks of ${modulusBytes}`);
  }
  let block: Buffer;
  try {
    block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch (err) {
    throw new RsaDecryptionError((err as Error).message);
  }
  // 0x00 0x02 <at least 8 non-zero bytes> 0x00 <message>; every byte is visited so the
  // time taken does not depend on where the padding breaks.
  let separator = 0;
  let bad = (block[0] as number) | ((block[1] as number) ^ 0x02);
  for (let i = 2; i < block.length; i++) {
    const isZero = block[i] === 0 ? 1 : 0;
    const first = isZero & (separator === 0 ? 1 : 0);
    separator = first ? i : separator;
  }
  bad |= separator === 0 ? 1 : 0;
  bad |= separator < 10 ? 1 : 0;
  const secret = createHash('sha256')
    .update(key.export({ type: 'pkcs1', format: 'der' }))
    .digest();
  const synthetic = createHmac('sha256', secret).update(ciphertext).digest().subarray(0, SYNTHETIC_LENGTH);
  return bad ? synthetic : block.subarray(separator + 1);
}
