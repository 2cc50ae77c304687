export { EndpointPool, createEndpointPool, POOL_DEFAULTS } from './endpoint-pool.js';
export type { EndpointPoolOptions, EndpointSpec, EndpointState, PoolEvent, RunOptions } from './endpoint-pool.js';
export { PoolError, PoolOptionsError, AllEndpointsDownError } from './errors.js';
export type { DownEndpoint } from './errors.js';
export { EndpointUnreachableError, isConnectionFailure, failureLabel } from './failure.js';
