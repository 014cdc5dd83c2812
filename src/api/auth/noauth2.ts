import { Unauthorized } from '../../common/errors.js';
import { RequestContext } from '../../context/context.js';
import { type AuthRequest, type AuthStrategy, headerValue } from './strategy.js';

/**
 * Nova's development-only `noauth2`: the token is `user:project` (project defaults to the
 * user), or, without a token, `X-Auth-User` and `X-Auth-Project-Id`. Roles come from
 * `X-Roles`; the user named `admin` is an administrator. Nothing is verified.
 */
export class NoAuth2Strategy implements AuthStrategy {
  async authenticate(req: AuthRequest): Promise<RequestContext> {
    const token = headerValue(req, 'X-Auth-Token');
    let userId: string;
    let projectId: string;
    if (token !== undefined) {
      const sep = token.indexOf(':');
      userId = sep < 0 ? token : token.slice(0, sep);
      projectId = sep < 0 || sep === token.length - 1 ? userId : token.slice(sep + 1);
    } else {
      const user = headerValue(req, 'X-Auth-User');
      if (user === undefined) throw new Unauthorized('The request you have made requires authentication.');
      userId = user;
      projectId = headerValue(req, 'X-Auth-Project-Id') ?? user;
    }
    const roles = (headerValue(req, 'X-Roles') ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    return new RequestContext({
      userId,
      projectId,
      roles,
      isAdmin: userId === 'admin',
      authToken: token ?? `${userId}:${projectId}`,
      userName: userId,
      projectName: projectId,
      requestId: req.requestId,
      globalRequestId: req.globalRequestId,
      remoteAddress: req.remoteAddress,
    });
  }
}
