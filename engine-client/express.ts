/**
 * The express middleware: verify the gateway's token and put the caller on `req.identity`.
 * It needs no express types or code (express's req/res are node:http's), so it works with
 * express 4 and 5 and with connect-style frameworks alike.
 *
 *   app.use(engineClientMiddleware({ issuer, audience, jwksUrl }));
 *   app.get('/admin', requireRolesMiddleware('admin'), handler);
 *
 * Refusals are answered here as JSON {statusCode, code, error, message} with the error's
 * headers (WWW-Authenticate on 401); with `passErrors: true` they go to `next(err)` instead,
 * for an application that renders errors itself. Other failures always go to `next(err)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IdentityRequiredError, isEngineClientError, OptionsError, RoleRequiredError } from './errors.js';
import { createRequestAuthenticator, sendError, type RequestAuthenticator, type RequestAuthenticatorOptions } from './http.js';
import { hasAnyRole } from './identity/roles.js';
import type { Identity } from './identity/types.js';
import { join } from './options-check.js';

export interface ExpressMiddlewareOptions extends RequestAuthenticatorOptions {
  /** hand refusals to `next(err)` instead of answering them (default false) */
  passErrors?: boolean;
}

/** The request as the middleware leaves it. */
export type RequestWithIdentity = IncomingMessage & { identity?: Identity | null };
export type NextFunction = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/** An express middleware with the request authenticator it uses (for websockets, queues, ...). */
export interface EngineClientMiddleware extends Middleware {
  readonly authenticator: RequestAuthenticator;
}

function refuse(err: unknown, res: ServerResponse, next: NextFunction, passErrors: boolean): void {
  if (!passErrors && isEngineClientError(err) && !res.headersSent) sendError(res, err);
  else next(err);
}

export function engineClientMiddleware(options: ExpressMiddlewareOptions): EngineClientMiddleware {
  const { passErrors = false, ...rest } = options;
  if (typeof passErrors !== 'boolean') throw new OptionsError('passErrors', 'must be true or false');
  const authenticator = createRequestAuthenticator(rest);
  const middleware: Middleware = (req, res, next) => {
    authenticator.identify(req).then(
      (identity) => {
        (req as RequestWithIdentity).identity = identity;
        next();
      },
      (err: unknown) => refuse(err, res, next, passErrors),
    );
  };
  return Object.assign(middleware, { authenticator });
}

/** Lets through only callers with at least one of `roles` (401 IDENTITY_REQUIRED without an identity, 403 ROLE_REQUIRED otherwise). */
export function requireRolesMiddleware(...roles: string[]): Middleware {
  if (roles.length === 0) throw new OptionsError('requireRolesMiddleware', 'name at least one role');
  roles.forEach((role, index) => {
    if (typeof role !== 'string' || role === '') throw new OptionsError(join('requireRolesMiddleware', index), 'must be a non-empty role name');
  });
  const required = Object.freeze([...roles]);
  return (req, res, next) => {
    const identity = (req as RequestWithIdentity).identity;
    if (!identity) return refuse(new IdentityRequiredError(), res, next, false);
    if (!hasAnyRole(identity, required)) return refuse(new RoleRequiredError(required), res, next, false);
    next();
  };
}
