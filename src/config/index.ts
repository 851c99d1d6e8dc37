// The config room's front door: server.properties-style broker configuration.

export type { BrokerConfig, HttpListener, Listener } from './broker-config.js';
export { ConfigError } from './errors.js';
export { defaultConfig, loadConfig } from './load.js';
export { parseProperties } from './properties.js';
export { checkDynamicConfigs, DYNAMIC_KEYS, effectiveConfig, unknownBrokerKey, type DynamicLevels, type DynamicProblem } from './dynamic.js';
