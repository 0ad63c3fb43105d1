export { createProxy, type Proxy, type ProxyOptions } from './proxy.js';
export { parseOptions, optionsSchema, ConfigError, type ProxyConfig, type ProxyOptionsInput, type ProviderConfig } from './config/schema.js';
export { mergeOptions, chatPathsFromEnv, DEFAULT_CHAT_PATHS } from './config/env.js';
export { ProxyError, errorBody, type Protocol } from './errors.js';
export { BodyTooLarge, type CoreRequest, type CoreResponse, type HeaderMap } from './http/types.js';
export { guessProtocol } from './http/routes.js';
export type { Logger } from './logger.js';
export type { Provider, ModelEntry } from './providers/types.js';
export { VERSION } from './version.js';
