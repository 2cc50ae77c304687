export { decideOnBehalfOf, defaultOboRule, type OboActor, type OboContext, type OboReason, type OboRule, type OboSubject } from './decide.js';
export { createOboTokenSigner, OBO_TOKEN_DEFAULTS, type OboTokenOptions, type OboTokenSigner } from './token.js';
export {
  createDownstreamClient,
  DOWNSTREAM_DEFAULTS,
  type DownstreamAnswer,
  type DownstreamCall,
  type DownstreamClient,
  type DownstreamClientOptions,
} from './downstream-client.js';
