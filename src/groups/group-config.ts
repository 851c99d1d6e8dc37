// Group configs (KIP-848's GROUP config resource, as Kafka's GroupConfig): the keys a consumer
// group may set for itself, their defaults from the broker's settings, and Kafka's checks of a
// group's whole set against the broker's bounds. Share-group keys are not served (no share groups).
import type { BrokerConfig } from '../config/index.js';
import type { Configs } from '../cluster/config-store.js';

export interface GroupConfigDef {
  /** The broker setting that supplies the default. */
  brokerKey: string;
  brokerValue: (b: BrokerConfig) => number;
  doc: string;
}

export const GROUP_CONFIGS: Readonly<Record<string, GroupConfigDef>> = {
  'consumer.session.timeout.ms': {
    brokerKey: 'group.consumer.session.timeout.ms', brokerValue: (b) => b.groupConsumerSessionTimeoutMs,
    doc: 'The timeout to detect client failures when using the consumer group protocol.',
  },
  'consumer.heartbeat.interval.ms': {
    brokerKey: 'group.consumer.heartbeat.interval.ms', brokerValue: (b) => b.groupConsumerHeartbeatIntervalMs,
    doc: 'The heartbeat interval given to the members of a consumer group.',
  },
};

/** The value a group has for a config: its own, else the broker's. */
export function groupConfigValue(broker: BrokerConfig, configs: Configs, name: string): number {
  const own = configs[name];
  return own !== undefined ? Number(own) : GROUP_CONFIGS[name]!.brokerValue(broker);
}

/** Null when the group's whole set is acceptable, else Kafka's message (INVALID_CONFIG). */
export function checkGroupConfigs(broker: BrokerConfig, configs: Configs): string | null {
  for (const [name, value] of Object.entries(configs)) {
    if (GROUP_CONFIGS[name] === undefined) return `Unknown group config name: ${name}`;
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || n > 0x7fffffff || n < -0x80000000) return `Invalid value ${value} for configuration ${name}: Not a number of type INT`;
    if (n < 1) return `Invalid value ${value} for configuration ${name}: Value must be at least 1`;
  }
  const heartbeat = groupConfigValue(broker, configs, 'consumer.heartbeat.interval.ms');
  const session = groupConfigValue(broker, configs, 'consumer.session.timeout.ms');
  const bounds: [boolean, string][] = [
    [heartbeat < broker.groupConsumerMinHeartbeatIntervalMs, 'consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms'],
    [heartbeat > broker.groupConsumerMaxHeartbeatIntervalMs, 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
    [session < broker.groupConsumerMinSessionTimeoutMs, 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
    [session > broker.groupConsumerMaxSessionTimeoutMs, 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'],
    [session <= heartbeat, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms'],
  ];
  return bounds.find(([broken]) => broken)?.[1] ?? null;
}
