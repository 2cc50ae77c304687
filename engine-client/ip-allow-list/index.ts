export { createIpAllowList, DEFAULT_ALLOWED, type IpAllowList, type IpAllowListOptions } from './allow-list.js';
export { createIpAllowListHook, type IpAllowListHookOptions } from './hook.js';
