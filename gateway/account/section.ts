import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActiveSession } from '../sessions/session-manager.js';

/**
 * One part of the `/account` page (who I am, my sessions, my credentials, my approvals,
 * my notifications). Each feature contributes its own section, so the page does not know them.
 */
export interface AccountSection {
  /** the fragment id (`/account#credentials`) and the form field prefix */
  readonly id: string;
  readonly title: string;
  /** lower first; the built-in "who I am" section is 100 */
  readonly order: number;
  /** the section's escaped HTML for the logged-in user; `csrf` goes into every form it renders */
  render(view: AccountView): Promise<string>;
  /** its own endpoints (form posts under `/account/<id>/...`, REST under `/api/account/<id>/...`) */
  register?(app: FastifyInstance): void | Promise<void>;
}

export interface AccountView {
  readonly request: FastifyRequest;
  readonly session: ActiveSession;
  readonly csrf: string;
  /** a one-line notice set by the last form post (`?notice=`), already escaped by the page */
  readonly notice?: string;
}
