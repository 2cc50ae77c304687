export * from './types.js';
export { buildChain, runPhase, runPhaseSync, compareFilters, basicConditionCheck, ChainError, type Chain, type ConditionCheck } from './chain.js';
export { BUILTIN_FILTERS, defaultFiltersFor, type BuiltinFilterDeps, type BuiltinFilterFactory } from './builtin/index.js';
