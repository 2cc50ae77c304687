export * from './types.js';
export { buildChain, runPhase, runPhaseSync, compareFilters, basicConditionCheck, ChainError, type Chain, type ConditionCheck } from './chain.js';
export { BUILTIN_FILTERS, defaultFiltersFor, type BuiltinFilterDeps, type BuiltinFilterFactory } from './builtin/index.js';
export { compileConditions, richConditionCheck, precompileConditions, normalizePath, ConditionError, type StartConditionsConfig, type ConditionInput, type ValueCondition } from './conditions.js';
export { compileExpression, ExpressionError } from './expression.js';
export { resolveRouteChain, loadFilterModules, filterRefsOf, FilterConfigError, MODULE_PREFIX, type ChainEntry, type ResolvedChain, type FilterFactory } from './configured-chain.js';
export { describeRouteChain, describeConditions } from './explain-chain.js';
