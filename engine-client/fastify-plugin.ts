/**
 * What fastify-plugin does for our three plugins, without the dependency: mark the function
 * so fastify does not encapsulate it (its decorations and hooks reach the registering scope)
 * and give it a name and the fastify major it needs. fastify reads these well-known symbols
 * itself; keeping them here means an engine on express or plain node installs nothing of fastify's.
 */
export function asFastifyPlugin<T extends (...args: never[]) => unknown>(plugin: T, name: string): T {
  const marked = plugin as unknown as Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = name;
  marked[Symbol.for('plugin-meta')] = { name, fastify: '5.x' };
  return plugin;
}
