import { AccessOptionError, OboNoSubjectError } from '../access-errors.js';

/**
 * Who a downstream call is made on behalf of.
 *
 * The rule, in order:
 * 1. the last human actor of the process (the user who completed the latest human step;
 *    in a four-eyes flow, the reviewer, not the first user);
 * 2. otherwise the process starter (an optional step was skipped, or only automatic steps ran);
 * 3. otherwise the caller of the engine (a user through the gateway, or a technical user).
 * An engine with another rule passes its own function; returning undefined falls back to
 * this default rule.
 */

/** One step somebody (or something) completed, oldest first. */
export interface OboActor {
  userId: string;
  /** default true; automatic steps and technical users are not human actors */
  human?: boolean;
}

export interface OboContext {
  /** the verified caller of the engine (`request.identity`) */
  caller?: { userId: string; technical?: boolean } | null;
  process?: {
    starter?: string;
    /** who completed the steps so far, oldest first */
    actors?: readonly OboActor[];
  };
}

export type OboReason = 'last-human-actor' | 'process-starter' | 'caller' | 'custom';

export interface OboSubject {
  userId: string;
  reason: OboReason;
}

export type OboRule = (context: OboContext) => OboSubject | string | undefined;

export const defaultOboRule: OboRule = (context) => {
  const actors = context.process?.actors ?? [];
  for (let i = actors.length - 1; i >= 0; i--) {
    const actor = actors[i]!;
    if (actor.human !== false && nonEmpty(actor.userId)) return { userId: actor.userId, reason: 'last-human-actor' };
  }
  const starter = context.process?.starter;
  if (nonEmpty(starter)) return { userId: starter, reason: 'process-starter' };
  const caller = context.caller?.userId;
  if (nonEmpty(caller)) return { userId: caller, reason: 'caller' };
  return undefined;
};

/**
 * The on-behalf-of user for a call, by `rule` (default: the rule above). Throws
 * `OBO_NO_SUBJECT` when nobody can be named: a call must never go out as nobody.
 */
export function decideOnBehalfOf(context: OboContext, rule: OboRule = defaultOboRule): OboSubject {
  let answer = rule(context);
  if (answer === undefined && rule !== defaultOboRule) answer = defaultOboRule(context);
  if (typeof answer === 'string') answer = { userId: answer, reason: 'custom' };
  if (!answer || !nonEmpty(answer.userId)) throw new OboNoSubjectError();
  return answer;
}

export function checkOboRule(rule: unknown, path: string): OboRule | undefined {
  if (rule === undefined) return undefined;
  if (typeof rule !== 'function') throw new AccessOptionError(path, 'must be a function (context) => user id or { userId, reason }');
  return rule as OboRule;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
