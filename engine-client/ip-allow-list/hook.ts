import type { FastifyReply, FastifyRequest } from 'fastify';
import { IpDeniedError } from '../access-errors.js';
import { createClientAddressResolver, type ClientAddressOptions, type ClientAddressResolver } from '../client-ip/client-address.js';
import { clientAddressOf } from '../client-ip/request-address.js';
import { createIpAllowList, type IpAllowList, type IpAllowListOptions } from './allow-list.js';

export interface IpAllowListHookOptions extends IpAllowListOptions {
  /** how the client address is decided; or give `resolveClientAddress` to share one resolver */
  clientAddress?: ClientAddressOptions;
  resolveClientAddress?: ClientAddressResolver;
}

/**
 * A fastify `onRequest` hook for an engine's REST API: a request whose decided client
 * address is not on the list gets 403 (`IP_DENIED`) and a warning line with the
 * address, how it was decided and why it was refused.
 */
export function createIpAllowListHook(options: IpAllowListHookOptions = {}, path = 'ipAllowList') {
  const list: IpAllowList = createIpAllowList(options, path);
  const resolve = options.resolveClientAddress ?? createClientAddressResolver(options.clientAddress, `${path}.clientAddress`);
  return async function ipAllowListHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const decision = clientAddressOf(request, resolve);
    const verdict = list.decide(decision.address);
    if (verdict.allowed) return;
    const detail = {
      clientAddress: decision.address,
      source: decision.source,
      peer: decision.peer,
      problem: decision.problem,
      why: verdict.reason.detail?.why,
    };
    request.log.warn({ event: 'ip-denied', ...detail }, 'request refused by the IP allow list');
    throw new IpDeniedError(decision.address, detail);
  };
}
