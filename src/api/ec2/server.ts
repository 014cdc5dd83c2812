/**
 * The EC2 Query API server (port `ec2_listen_port`): GET or form POST to `/` or under
 * `ec2_path`, signed with SigV2 or SigV4; the `Action` parameter picks the handler from
 * the action table; answers are AWS-shaped XML, errors `<Response><Errors>` XML.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseQueryPairs } from '../../common/aws-signature/canonical.js';
import { CLOSING_HEADERS, CLOSING_MESSAGE, refuseRequestsWhileClosing } from '../../common/http-closing.js';
import { type ListeningServer, listen } from '../../common/http-listen.js';
import { getLogger } from '../../common/log.js';
import type { RequestContext } from '../../context/context.js';
import { actionTable, type Ec2ActionModule } from './actions/registry.js';
import type { Ec2Authenticator } from './auth.js';
import { Ec2Error, ec2ErrorOf } from './errors.js';
import { Ec2Params } from './params.js';
import type { Ec2Services } from './services.js';
import { DEFAULT_EC2_VERSION, ec2ErrorXml, ec2ResponseXml } from './xml.js';

const log = getLogger('nova.api.ec2');

const XML_TYPE = 'text/xml; charset=UTF-8';

export interface Ec2AppDeps {
  services: Ec2Services;
  auth: Ec2Authenticator;
  actions: readonly Ec2ActionModule[];
  /** `ec2_path`; requests to `/` are served as well. */
  path: string;
}

function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function buildEc2App(deps: Ec2AppDeps): FastifyInstance {
  const actions = actionTable(deps.actions);
  const base = deps.path.replace(/\/+$/, '');
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    genReqId: () => `req-${randomUUID()}`,
  });
  // Before anything else reads the request: a stopping server neither authenticates nor acts.
  refuseRequestsWhileClosing<FastifyRequest, FastifyReply>(app, async (req, reply) =>
    reply
      .code(503)
      .headers(CLOSING_HEADERS)
      .type(XML_TYPE)
      .send(ec2ErrorXml('ServiceUnavailable', CLOSING_MESSAGE, req.id)),
  );
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  async function handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = req.id;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const query = parseQueryPairs(rawQuery(req.url));
    const isForm = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const form = isForm ? parseQueryPairs(body.toString('utf8')) : [];
    const params = new Ec2Params([...query, ...form]);
    const action = params.get('Action');
    const version = params.get('Version') ?? DEFAULT_EC2_VERSION;
    let ctx: RequestContext | null = null;
    try {
      const path = pathOf(req.url);
      if (path !== '/' && path !== base && !path.startsWith(`${base}/`)) {
        throw new Ec2Error('InvalidRequest', `The path ${path} is not an EC2 endpoint; use / or ${base}.`, 404);
      }
      ctx = await deps.auth.authenticate(
        { method: req.method, host: req.headers.host ?? '', path, query, form, headers: req.headers, body },
        { requestId, remoteAddress: req.ip ?? null },
      );
      if (action === undefined) throw new Ec2Error('MissingAction', 'The request must contain the parameter Action');
      const handler = actions.get(action);
      if (!handler) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      const result = await handler({ ctx, params, services: deps.services });
      log.info({ action, request_id: requestId, project_id: ctx.projectId, status: 200 }, 'EC2 request');
      await reply
        .code(200)
        .type(XML_TYPE)
        .send(ec2ResponseXml(action, version, requestId, result));
    } catch (err) {
      const rendered = ec2ErrorOf(err);
      if (rendered.unexpected) log.error({ err, action, request_id: requestId }, 'EC2 request failed');
      else log.info({ action, request_id: requestId, code: rendered.code, status: rendered.status }, 'EC2 request refused');
      await reply
        .code(rendered.status)
        .type(XML_TYPE)
        .send(ec2ErrorXml(rendered.code, rendered.message, requestId));
    }
  }

  app.route({ method: ['GET', 'POST'], url: '*', handler: handle });
  app.setNotFoundHandler(async (req, reply) => {
    await reply
      .code(405)
      .type(XML_TYPE)
      .send(ec2ErrorXml('InvalidRequest', `The method ${req.method} is not supported.`, req.id));
  });
  app.setErrorHandler(async (err, req, reply) => {
    const status = typeof (err as { statusCode?: number }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    const client = status >= 400 && status < 500;
    if (!client) log.error({ err, request_id: req.id }, 'EC2 request failed before its action');
    await reply
      .code(client ? 400 : 500)
      .type(XML_TYPE)
      .send(
        ec2ErrorXml(
          client ? 'InvalidRequest' : 'InternalError',
          client ? (err as Error).message : 'An internal error has occurred.',
          req.id,
        ),
      );
  });
  return app;
}

export type RunningEc2Api = ListeningServer;

export async function listenEc2(app: FastifyInstance, host: string, port: number): Promise<RunningEc2Api> {
  return listen(app, host, port);
}
