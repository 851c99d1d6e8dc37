// Dynamic broker configs (Kafka's DynamicBrokerConfig): the settings AdminClient may change while
// the broker runs, per broker (resource name = node id) or cluster-wide (resource name ''), and how
// they combine with the static ones: this broker's dynamic value, else the cluster-wide dynamic
// default, else server.properties/--override, else the default. Of the keys samsa reads, Kafka's
// reconfigurable ones are DynamicLogConfig's (the log.* topic defaults and message.max.bytes),
// LogCleaner's (log.cleaner.backoff.ms) and the producer state's (producer.id.expiration.ms).
// Samsa has no listener, SSL or thread-pool settings that could change without a restart.
import type { BrokerConfig } from './broker-config.js';
import { NOT_USED_BY_SAMSA } from './kafka-keys.js';
import { KEYS } from './keys.js';
import { resolveConfig } from './resolve.js';

export const DYNAMIC_KEYS: ReadonlySet<string> = new Set([
  'log.segment.bytes', 'log.roll.ms', 'log.roll.hours', 'log.retention.ms', 'log.retention.minutes', 'log.retention.hours',
  'log.retention.bytes', 'log.flush.interval.messages', 'log.index.interval.bytes', 'log.cleanup.policy', 'compression.type',
  'log.message.timestamp.type', 'min.insync.replicas', 'log.cleaner.delete.retention.ms', 'log.cleaner.min.compaction.lag.ms',
  'message.max.bytes', 'log.cleaner.backoff.ms', 'producer.id.expiration.ms',
]);

type Configs = Readonly<Record<string, string>>;

/** The two dynamic levels, as stored. */
export interface DynamicLevels { clusterDefault: Configs; perBroker: Configs }

/** Why a dynamic level's new set is refused: Kafka answers `request` with INVALID_REQUEST, `config` with INVALID_CONFIG. */
export interface DynamicProblem { kind: 'request' | 'config'; message: string }

/** Null when `configs` may be a dynamic level's whole set, else the first problem. */
export function checkDynamicConfigs(configs: Configs): DynamicProblem | null {
  const names = Object.keys(configs);
  const unknown = names.find((k) => !KEYS.has(k));
  if (unknown !== undefined) return { kind: 'config', message: unknownBrokerKey(unknown) };
  const fixed = names.filter((k) => !DYNAMIC_KEYS.has(k));
  if (fixed.length > 0) return { kind: 'request', message: `Cannot update these configs dynamically: Set(${fixed.join(', ')})` };
  for (const [key, value] of Object.entries(configs)) {
    const read = KEYS.get(key)!.read(value);
    if (!read.ok) return { kind: 'config', message: `Invalid value ${value} for configuration ${key}: ${read.problem}` };
  }
  return null;
}

export function unknownBrokerKey(key: string): string {
  return NOT_USED_BY_SAMSA.has(key) ? `${key} is a Kafka setting not used by samsa` : `Unknown broker config name: ${key}`;
}

/**
 * The settings in effect given the static ones and the dynamic levels (later wins: static, cluster
 * default, this broker). Keys of several spellings keep Kafka's precedence among themselves
 * (log.retention.ms over .minutes over .hours), whichever level set them. Throws ConfigError.
 */
export function effectiveConfig(staticConfigs: Configs, levels: DynamicLevels): BrokerConfig {
  const raw = new Map(Object.entries(staticConfigs));
  for (const level of [levels.clusterDefault, levels.perBroker]) {
    for (const [key, value] of Object.entries(level)) raw.set(key, value);
  }
  const { config } = resolveConfig(raw);
  config.staticConfigs = { ...staticConfigs };
  return config;
}
