import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUDIT_EVENTS, loginDigest } from '../ops/audit-events.js';
import type { GatewayContext } from '../context.js';
import type { AuthenticatedUser, LoginCompletion } from '../authenticators/types.js';
import { errors } from '../errors.js';
import { isLoginRefusal } from '../authenticators/login-refusal.js';
import { loginPage } from '../pages/login-page.js';
import { pagesOf } from '../pages/pages.js';
import { csrfMatches, issueCsrf } from './csrf.js';
import { safeReturnTo } from './return-to.js';
import { loginNameForLog } from './login-log-name.js';

interface LoginForm {
  username?: unknown;
  password?: unknown;
  csrf?: unknown;
  returnTo?: unknown;
}

const MAX_LOGIN_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;

/** The login form (GET and POST /login) and the completion every authenticator ends with. */
export function registerLoginRoutes(app: FastifyInstance, gw: GatewayContext): LoginCompletion {
  const completion: LoginCompletion = {
    safeReturnTo,
    async completeLogin(request, reply, user, returnTo) {
      await gw.sessions.create(request, reply, user);
      // the profile mail is sent by, and "a login from a new address": in the background
      void gw.notifications?.afterLogin(user, gw.clientAddress(request));
      gw.instruments.logins.inc({ authenticator: user.authenticator, result: 'success' });
      request.log.info({ event: AUDIT_EVENTS.login, user: user.loginId, authenticator: user.authenticator, level: user.level }, 'login succeeded');
      await reply.redirect(safeReturnTo(returnTo), 303);
    },
    endSessionsOf: async (authenticator, loginId, match) => gw.sessions.endSessionsOf(loginId, authenticator, match),
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, returnTo: string, extra: { error?: string; username?: string } = {}) => {
    const csrf = issueCsrf(request, reply, gw.secureCookies);
    const choices = gw.authenticators.routed.flatMap((a) => a.loginChoices?.(returnTo) ?? [{ label: a.label, url: a.loginUrl(returnTo) }]);
    // somebody already logged in is told so, and led to their account and portals; a store that
    // cannot answer leaves the page without the note (the form is what matters on this page)
    const who = (
      await gw.sessions.load(request).catch((err: unknown) => {
        request.log.warn({ code: (err as { code?: string }).code }, 'login page: the session store did not answer; shown without who is logged in');
        return undefined;
      })
    )?.record.user;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(loginPage(pagesOf(request), { csrf, returnTo, choices, showForm: gw.authenticators.password.length > 0, ...(who ? { who } : {}), ...extra }));
  };

  app.get('/login', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).returnTo);
    return render(request, reply, returnTo);
  });

  app.post('/login', async (request, reply) => {
    const form = (request.body ?? {}) as LoginForm;
    const returnTo = safeReturnTo(form.returnTo);
    if (!csrfMatches(request, form.csrf)) throw errors.csrf();
    if (typeof form.username !== 'string' || typeof form.password !== 'string') {
      throw errors.badRequest('the login form needs the fields username and password');
    }
    const login = form.username.trim();
    if (login.length === 0 || login.length > MAX_LOGIN_LENGTH || form.password.length > MAX_PASSWORD_LENGTH) {
      return render(request, reply.code(400), returnTo, { error: 'Enter a user name and a password.', username: login.slice(0, MAX_LOGIN_LENGTH) });
    }
    const address = gw.clientAddress(request);
    const nameForLog = await loginNameForLog(login, gw.authenticators.password);
    const admission = await gw.throttle.admit(login, address);
    const tooMany = (wait: number) => {
      gw.instruments.logins.inc({ authenticator: 'login-form', result: 'locked' });
      request.log.warn({ event: AUDIT_EVENTS.lockout, login: nameForLog, address }, 'login refused: too many failures');
      reply.code(429).header('retry-after', String(wait));
      return render(request, reply, returnTo, { error: `Too many failed logins. Try again in ${Math.ceil(wait / 60)} minute(s).`, username: login });
    };
    if (admission.retryAfter > 0) return tooMany(admission.retryAfter);

    let user: AuthenticatedUser | null;
    try {
      user = await verifyWithPasswordAuthenticators(gw, login, form.password, request);
    } catch (err) {
      // the password was right but the account may not sign in (expired, locked, refused by
      // the user mapping): no failure is counted, and the page says what the user can do
      if (!isLoginRefusal(err)) throw err;
      request.log.info({ event: 'login-refused', code: err.code, address }, 'login refused');
      return render(request, reply.code(403), returnTo, { error: err.message, username: login });
    }
    if (!user) {
      const locked = await gw.throttle.recordFailure(login, address, admission);
      gw.instruments.logins.inc({ authenticator: 'login-form', result: 'failure' });
      if (locked > 0) gw.instruments.lockouts.inc({ authenticator: 'login-form' });
      request.log.info({ event: locked > 0 ? AUDIT_EVENTS.lockout : AUDIT_EVENTS.loginFailed, login: nameForLog, address, locked: locked > 0 }, 'login failed: wrong user name or password');
      return render(request, reply.code(401), returnTo, { error: 'Wrong user name or password.', username: login });
    }
    // the directory may map another spelling to a locked account: the account decides
    const accountLocked = await gw.throttle.accountLockedFor(user.loginId);
    if (accountLocked > 0) return tooMany(accountLocked);
    await gw.throttle.recordSuccess(login, user.loginId);
    await completion.completeLogin(request, reply, user, returnTo);
    return reply;
  });

  return completion;
}

/** Ask each password authenticator in configured order; the first that knows the user decides. */
async function verifyWithPasswordAuthenticators(gw: GatewayContext, login: string, password: string, request: FastifyRequest): Promise<AuthenticatedUser | null> {
  const ctx = { clientAddress: gw.clientAddress(request), log: request.log };
  for (const authenticator of gw.authenticators.password) {
    const user = await authenticator.verify(login, password, ctx);
    if (user) return user;
  }
  return null;
}
