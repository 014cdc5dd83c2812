/** `/v3/credentials` and the OS-EC2 extension's per-user EC2 key pairs. */
import type { FastifyInstance } from 'fastify';
import { ec2CredentialId, newEc2KeyPair, readEc2Blob } from '../ec2-credentials.js';
import { IdentityNotFound, IdentityValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { allowed, enforce } from '../policy.js';
import type { IdentityService } from '../service.js';
import { credentialView, ec2CredentialView } from '../views.js';
import {
  baseUrl,
  bodyObject,
  callerToken,
  collectionLinksFor,
  extraOf,
  isObj,
  optNullableString,
  optString,
  params,
  query,
} from './common.js';

const CREDENTIAL_KEYS = ['id', 'user_id', 'project_id', 'type', 'blob', 'links'];

/** Keystone takes the blob as a JSON string; a client sending an object is forgiven. */
function blobText(b: Record<string, unknown>): string | undefined {
  const blob = b.blob;
  if (blob === undefined) return undefined;
  if (typeof blob === 'string') return blob;
  if (isObj(blob)) return JSON.stringify(blob);
  throw new IdentityValidationError("Invalid input for field 'blob': expected a string.");
}

export function registerCredentialRoutes(app: FastifyInstance, service: IdentityService): void {
  app.get('/v3/credentials', async (req) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:list_credentials');
    const q = query(req);
    const credentials = await service.listCredentials({
      ...(q.user_id !== undefined ? { userId: q.user_id } : {}),
      ...(q.type !== undefined ? { type: q.type } : {}),
    });
    // Without admin, a user sees their own credentials only.
    const visible = credentials.filter((c) => allowed(caller, 'identity:get_credential', { userId: c.userId }));
    return { credentials: visible.map((c) => credentialView(baseUrl(req), c)), links: collectionLinksFor(req, '/v3/credentials') };
  });

  app.post('/v3/credentials', async (req, reply) => {
    const caller = await callerToken(service, req);
    const b = bodyObject(req.body, 'credential');
    const userId = optString(b, 'user_id');
    const type = optString(b, 'type');
    const blob = blobText(b);
    if (userId === undefined || type === undefined || blob === undefined) {
      throw new IdentityValidationError("Invalid input for field 'credential': 'user_id', 'type' and 'blob' are required.");
    }
    enforce(caller, 'identity:create_credential', { userId });
    const projectId = optNullableString(b, 'project_id') ?? null;
    let id = newId();
    if (type === 'ec2') {
      const ec2 = readEc2Blob(blob);
      if (!ec2) throw new IdentityValidationError('Invalid blob in credential: an ec2 credential needs access and secret.');
      if (projectId === null) throw new IdentityValidationError('Project ID is required for an ec2 credential.');
      id = ec2CredentialId(ec2.access);
    }
    const credential = await service.createCredential({ id, userId, projectId, type, blob, extra: extraOf(b, CREDENTIAL_KEYS) });
    reply.code(201);
    return { credential: credentialView(baseUrl(req), credential) };
  });

  app.get('/v3/credentials/:id', async (req) => {
    const caller = await callerToken(service, req);
    const credential = await service.getCredential(params(req).id as string);
    enforce(caller, 'identity:get_credential', { userId: credential.userId });
    return { credential: credentialView(baseUrl(req), credential) };
  });

  app.patch('/v3/credentials/:id', async (req) => {
    const caller = await callerToken(service, req);
    const current = await service.getCredential(params(req).id as string);
    enforce(caller, 'identity:update_credential', { userId: current.userId });
    const b = bodyObject(req.body, 'credential');
    const type = optString(b, 'type');
    const blob = blobText(b);
    const projectId = optNullableString(b, 'project_id');
    const newUser = optString(b, 'user_id');
    if (newUser !== undefined && newUser !== current.userId) throw new IdentityValidationError('Update of `user_id` is not allowed.');
    const credential = await service.updateCredential(current.id, {
      ...(type !== undefined ? { type } : {}),
      ...(blob !== undefined ? { blob } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
      extra: extraOf(b, CREDENTIAL_KEYS),
    });
    return { credential: credentialView(baseUrl(req), credential) };
  });

  app.delete('/v3/credentials/:id', async (req, reply) => {
    const caller = await callerToken(service, req);
    const credential = await service.getCredential(params(req).id as string);
    enforce(caller, 'identity:delete_credential', { userId: credential.userId });
    await service.deleteCredential(credential.id);
    reply.code(204);
  });

  // ---- OS-EC2 ----------------------------------------------------------------

  const ec2Base = '/v3/users/:user/credentials/OS-EC2';

  app.post(ec2Base, async (req, reply) => {
    const userId = params(req).user as string;
    enforce(await callerToken(service, req), 'identity:ec2_create_credential', { userId });
    const b = isObj(req.body) ? req.body : {};
    const projectId = optString(b, 'tenant_id') ?? optString(b, 'project_id');
    if (projectId === undefined)
      throw new IdentityValidationError("Invalid input for field 'tenant_id': 'tenant_id' is a required property.");
    const pair = newEc2KeyPair();
    const credential = await service.createCredential({
      id: ec2CredentialId(pair.access),
      userId,
      projectId,
      type: 'ec2',
      blob: JSON.stringify({ ...pair, trust_id: null }),
    });
    reply.code(201);
    return { credential: ec2CredentialView(baseUrl(req), credential) };
  });

  app.get(ec2Base, async (req) => {
    const userId = params(req).user as string;
    enforce(await callerToken(service, req), 'identity:ec2_list_credentials', { userId });
    await service.getUser(userId);
    const credentials = await service.listCredentials({ userId, type: 'ec2' });
    return {
      credentials: credentials.map((c) => ec2CredentialView(baseUrl(req), c)).filter((c) => c !== null),
      links: collectionLinksFor(req, `/v3/users/${userId}/credentials/OS-EC2`),
    };
  });

  async function ownEc2(userId: string, access: string) {
    const credential = await service
      .listCredentials({ userId, type: 'ec2' })
      .then((all) => all.find((c) => c.id === ec2CredentialId(access)));
    if (!credential) throw new IdentityNotFound('credential', access);
    return credential;
  }

  app.get(`${ec2Base}/:access`, async (req) => {
    const p = params(req);
    enforce(await callerToken(service, req), 'identity:ec2_get_credential', { userId: p.user as string });
    return { credential: ec2CredentialView(baseUrl(req), await ownEc2(p.user as string, p.access as string)) };
  });

  app.delete(`${ec2Base}/:access`, async (req, reply) => {
    const p = params(req);
    enforce(await callerToken(service, req), 'identity:ec2_delete_credential', { userId: p.user as string });
    const credential = await ownEc2(p.user as string, p.access as string);
    await service.deleteCredential(credential.id);
    reply.code(204);
  });
}
