/** @portcullis/gateway: start the gateway from code (the `portcullis` command does the same). */
export { startGateway, buildGateway } from './server.js';
export type { GatewayOptions, RunningGateway, BuildOptions } from './server.js';
export type { GatewayContext } from './context.js';
export { runCli } from './cli/run.js';
