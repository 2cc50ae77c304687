export { normalizeAddress, parseForwardedEntry } from './address.js';
export { createAddressSet, ADDRESS_PRESETS, type AddressSet } from './address-set.js';
export {
  createClientAddressResolver,
  CLIENT_ADDRESS_DEFAULTS,
  UNKNOWN_ADDRESS,
  type ClientAddressOptions,
  type ClientAddressDecision,
  type ClientAddressResolver,
  type HeaderBag,
} from './client-address.js';
export { clientAddressOf, type RequestLike } from './request-address.js';
