/**
 * The fastify plugin for an engine's own mTLS listener: every request's client certificate
 * becomes `request.identity` (a technical user, `auth.strong`, amr `mtls`), or the request
 * is refused (401 without a certificate, 403 otherwise). Register it on the fastify instance
 * that serves the mTLS listener (built with `mtlsServerOptions`), not on the one that
 * verifies gateway tokens: on this listener the certificate is the only credential.
 *
 *   const app = Fastify({ https: mtlsServerOptions({ ca, cert, key }) });
 *   await app.register(technicalUsers, { users: { users: [{ id: 'billing', match: { subject: 'CN=billing' } }] } });
 */
import type { FastifyInstance } from 'fastify';
import { asFastifyPlugin } from '../fastify-plugin.js';
import { createTechnicalUserHook, type TechnicalUserHookOptions } from './hook.js';

async function technicalUsersPlugin(app: FastifyInstance, options: TechnicalUserHookOptions): Promise<void> {
  const hook = createTechnicalUserHook(options);
  if (!app.hasRequestDecorator('identity')) app.decorateRequest('identity', null);
  app.addHook('onRequest', hook);
}

export const technicalUsers = asFastifyPlugin(technicalUsersPlugin, 'portcullis-technical-users');
export default technicalUsers;
