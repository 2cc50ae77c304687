import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MtlsAuthenticatorConfig } from '@portcullis/config/schema/technical.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import type { AccessError } from '@portcullis/engine-client';
import { createTechnicalUserMap, decideTlsPeer, mtlsServerOptions, type TechnicalUserMap } from '@portcullis/engine-client/technical-users';
import { GatewayError } from '../../errors.js';
import type { AuthenticatedUser, AuthenticatorContext, RequestAuthenticator } from '../types.js';

/** Marks a raw request that arrived on an mTLS listener (and whose certificate was accepted). */
const kMtlsListener = Symbol('portcullis.mtlsListener');

export interface MtlsAuthenticator extends RequestAuthenticator {
  readonly type: 'mtls';
  /** where the mTLS listener listens, once started, e.g. https://127.0.0.1:8443 */
  readonly url: string | undefined;
  /** start the additional HTTPS listener in front of the gateway's fastify app */
  listen(app: FastifyInstance): Promise<void>;
}

/**
 * Technical users by client certificate. The gateway opens an additional HTTPS listener that
 * asks every client for a certificate; a request there is refused before routing unless its
 * certificate verifies against the CA bundle and maps to a technical user that is not
 * revoked (401 without a certificate, 403 otherwise). Cookies and Authorization headers are
 * dropped on that listener: the certificate is the only credential, so no session is used.
 */
export async function createMtlsAuthenticator(config: MtlsAuthenticatorConfig, ctx: AuthenticatorContext): Promise<MtlsAuthenticator> {
  const log = ctx.log.child({ authenticator: config.name });
  const path = `authenticators[${config.name}]`;
  const users: TechnicalUserMap = wrapOptionError(
    () =>
      createTechnicalUserMap(
        { users: config.users, defaultRoles: config.defaultRoles, revokedFingerprints: config.revokedFingerprints },
        path,
      ),
  );
  const file = (name: keyof MtlsAuthenticatorConfig['tls'], value: string) =>
    readFile(resolve(ctx.configDir, value)).catch((cause) => {
      throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}.tls.${name}: cannot read ${value}`, { cause });
    });
  const tls = {
    ...mtlsServerOptions({
      ca: await file('caFile', config.tls.caFile),
      cert: await file('certFile', config.tls.certFile),
      key: await file('keyFile', config.tls.keyFile),
    }),
    passphrase: config.tls.keyPassphrase ? await resolveSecret(config.tls.keyPassphrase, { configDir: ctx.configDir, env: process.env }) : undefined,
  };
  let server: Server | undefined;
  let url: string | undefined;

  const refuse = (req: IncomingMessage, res: ServerResponse, error: AccessError) => {
    log.warn(
      { event: 'technical-user-refused', code: error.code, peer: req.socket.remoteAddress, ...(error.detail ?? {}) },
      `client certificate refused: ${error.message}`,
    );
    const body = JSON.stringify({ statusCode: error.statusCode, code: error.code, error: error.statusCode === 401 ? 'Unauthorized' : 'Forbidden', message: error.message });
    res.writeHead(error.statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const refuseUpgrade = (req: IncomingMessage, socket: Duplex, error: AccessError) => {
    log.warn({ event: 'technical-user-refused', code: error.code, peer: req.socket.remoteAddress, ...(error.detail ?? {}) }, `client certificate refused: ${error.message}`);
    const body = JSON.stringify({ statusCode: error.statusCode, code: error.code, message: error.message });
    socket.end(
      `HTTP/1.1 ${error.statusCode} ${error.statusCode === 401 ? 'Unauthorized' : 'Forbidden'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  return {
    kind: 'request',
    type: 'mtls',
    name: config.name,
    get url() {
      return url;
    },
    owns(request: FastifyRequest): boolean {
      return (request.raw as { [kMtlsListener]?: boolean })[kMtlsListener] === true;
    },
    async authenticate(request: FastifyRequest): Promise<AuthenticatedUser | null> {
      if (!(request.raw as { [kMtlsListener]?: boolean })[kMtlsListener]) return null; // not our listener
      const decision = decideTlsPeer(request.raw.socket as TLSSocket, users);
      if (!decision.ok) throw decision.error; // refused before routing already; kept for safety
      return {
        loginId: decision.user.id,
        roles: [...decision.user.roles].sort(),
        groups: [],
        attributes: { ...decision.user.attributes },
        level: 'auth.strong',
        amr: ['mtls'],
        authenticator: config.name,
        extra: { certificate: { subject: decision.certificate.subject, fingerprint256: decision.certificate.fingerprint256 } },
      };
    },
    async listen(app: FastifyInstance) {
      if (server) return;
      server = createServer(tls, (req, res) => {
        const decision = decideTlsPeer(req.socket as TLSSocket, users);
        if (!decision.ok) return refuse(req, res, decision.error);
        delete req.headers.cookie;
        delete req.headers.authorization;
        (req as { [kMtlsListener]?: boolean })[kMtlsListener] = true;
        app.routing(req, res);
      });
      // websocket upgrades: the same certificate check, then fastify's own upgrade handling
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const decision = decideTlsPeer(req.socket as TLSSocket, users);
        if (!decision.ok) return refuseUpgrade(req, socket, decision.error);
        delete req.headers.cookie;
        delete req.headers.authorization;
        (req as { [kMtlsListener]?: boolean })[kMtlsListener] = true;
        app.server.emit('upgrade', req, socket, head);
      });
      server.on('tlsClientError', (err) => log.info({ code: (err as { code?: string }).code }, 'mTLS handshake failed'));
      await new Promise<void>((done, fail) => {
        server!.once('error', fail);
        server!.listen(config.listen.port, config.listen.host, () => {
          server!.off('error', fail);
          done();
        });
      });
      const { port } = server.address() as AddressInfo;
      url = `https://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
      log.info({ url, technicalUsers: users.size }, 'mTLS listener for technical users started');
    },
    async close() {
      if (!server) return;
      const closing = server;
      server = undefined;
      closing.closeAllConnections();
      await new Promise((done) => closing.close(done));
    },
  };
}

function wrapOptionError<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if ((err as { code?: string }).code === 'OPTIONS_INVALID') {
      throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, (err as Error).message, { cause: err });
    }
    throw err;
  }
}
