/** `/v3/ec2tokens` and `/v3/s3tokens`: tokens in exchange for EC2-signed requests. */
import type { FastifyInstance } from 'fastify';
import { authenticateEc2, authenticateS3, parseEc2TokenBody, parseS3TokenBody } from '../ec2-tokens.js';
import { IdentityMethodNotAllowed } from '../errors.js';
import type { IdentityService } from '../service.js';
import { tokenView } from '../views.js';

export function registerEc2TokenRoutes(app: FastifyInstance, service: IdentityService, authTtlMinutes: number): void {
  app.post('/v3/ec2tokens', async (req, reply) => {
    const token = await authenticateEc2(service, parseEc2TokenBody(req.body), authTtlMinutes);
    reply.header('X-Subject-Token', token.id);
    return tokenView(token, service.catalog);
  });
  app.post('/v3/s3tokens', async (req, reply) => {
    const token = await authenticateS3(service, parseS3TokenBody(req.body));
    reply.header('X-Subject-Token', token.id);
    return tokenView(token, service.catalog);
  });
  for (const path of ['/v3/ec2tokens', '/v3/s3tokens']) {
    app.get(path, async () => {
      throw new IdentityMethodNotAllowed();
    });
  }
}
