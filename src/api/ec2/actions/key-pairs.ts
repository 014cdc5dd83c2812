/** CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair: the caller's SSH key pairs. */

import { KeypairNotFound } from '../../../common/errors.js';
import { InvalidKeypair, validateKeyPairName } from '../../../compute/keypairs.js';
import { ec2Opts } from '../../../config/ec2-api-opts.js';
import { Ec2Error } from '../errors.js';
import { applyFilters } from '../filters.js';
import { defineEc2Actions, userOf } from './registry.js';

/** A bad name is a bad parameter to AWS, whatever KeypairAPI calls it. */
function checkName(name: string): void {
  try {
    validateKeyPairName(name);
  } catch (err) {
    if (err instanceof InvalidKeypair)
      throw new Ec2Error('InvalidParameterValue', `Value (${name}) for parameter keyName is invalid. ${err.message}`);
    throw err;
  }
}

export const keyPairActions = defineEc2Actions('key-pairs', {
  async DescribeKeyPairs({ ctx, params, services }) {
    const suffix = services.conf.get(ec2Opts).vpn_key_suffix ?? '-vpn';
    let pairs = (await services.keypairs.getAll(ctx, userOf(ctx))).filter((k) => ctx.isAdmin || !(k.name ?? '').endsWith(suffix));
    const names = params.list('KeyName');
    for (const name of names) {
      if (!pairs.some((k) => k.name === name)) {
        throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
      }
    }
    if (names.length > 0) pairs = pairs.filter((k) => names.includes(k.name ?? ''));
    pairs = applyFilters(pairs, params.filters(), { 'key-name': (k) => k.name, fingerprint: (k) => k.fingerprint });
    return { keySet: pairs.map((k) => ({ keyName: k.name, keyFingerprint: k.fingerprint })) };
  },

  async CreateKeyPair({ ctx, params, services }) {
    const name = params.require('KeyName');
    checkName(name);
    const created = await services.keypairs.create(ctx, userOf(ctx), name);
    return { keyName: name, keyFingerprint: created.keypair.fingerprint, keyMaterial: created.privateKey };
  },

  async ImportKeyPair({ ctx, params, services }) {
    const name = params.require('KeyName');
    checkName(name);
    const material = params.require('PublicKeyMaterial');
    const decoded = Buffer.from(material, 'base64').toString('utf8');
    // Clients send the key base64-encoded as the API asks; some send it as it is.
    const publicKey = /^(ssh-|ecdsa-)/.test(material.trim()) ? material.trim() : decoded.trim();
    const created = await services.keypairs.create(ctx, userOf(ctx), name, publicKey);
    return { keyName: name, keyFingerprint: created.keypair.fingerprint };
  },

  async DeleteKeyPair({ ctx, params, services }) {
    const name = params.require('KeyName');
    try {
      await services.keypairs.delete(ctx, userOf(ctx), name);
    } catch (err) {
      // AWS answers true for a key pair that does not exist.
      if (!(err instanceof KeypairNotFound)) throw err;
    }
    return { return: true };
  },
});
