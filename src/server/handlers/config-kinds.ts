// The resources whose configs AlterConfigs and IncrementalAlterConfigs change, one ConfigKind each:
// a topic's configs (the registry, handed to its partitions' shard workers: Cluster.alterTopicConfigs)
// and a group's (KIP-848's GROUP resource: the group coordinator's store, used from the group's next
// heartbeat) and the broker's dynamic configs (per broker, named by node.id, or cluster-wide, named
// ''; src/config/dynamic.ts says which keys and how they combine; Broker.alterDynamicConfigs puts
// them in effect).
import { checkDynamicConfigs, ConfigError, effectiveConfig, unknownBrokerKey } from '../../config/index.js';
import { KEYS } from '../../config/keys.js';
import { checkTopicConfig, ConfigType, TOPIC_CONFIGS, topicConfigValue } from '../../cluster/topic-config.js';
import { checkGroupConfigs, GROUP_CONFIGS, groupConfigValue } from '../../groups/group-config.js';
import { ErrorCode } from '../../protocol/errors.js';
import { refuse, ResourceType, type ConfigKind } from './config-resources.js';

export const topicKind: ConfigKind = {
  own(ctx, name) {
    const topic = ctx.topics.get(name);
    return topic?.configs ?? refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  },
  keyType: (key) => (TOPIC_CONFIGS[key] === undefined ? undefined : TOPIC_CONFIGS[key].type === ConfigType.LIST ? 'list' : 'value'),
  unknownKey: (key) => `Unknown topic config name: ${key}`,
  valueInEffect: (ctx, _name, own, key) => topicConfigValue(ctx.config, own, key),
  check(_ctx, _name, configs) {
    const problem = Object.entries(configs).map(([name, value]) => checkTopicConfig(name, value)).find((p) => p !== null);
    return problem === undefined ? null : refuse(ErrorCode.INVALID_CONFIG, problem);
  },
  async apply(ctx, name, configs) {
    const outcome = await ctx.cluster.alterTopicConfigs(name, { ...configs });
    if (outcome.errorCode !== ErrorCode.NONE) return refuse(outcome.errorCode, outcome.errorMessage ?? '');
    ctx.conn.log.info({ topic: name, configs }, 'topic configs altered');
    return null;
  },
};

export const groupKind: ConfigKind = {
  own(ctx, name) {
    return name === '' ? refuse(ErrorCode.INVALID_REQUEST, 'Group name must not be empty') : ctx.groups.groupConfigs(name);
  },
  keyType: (key) => (GROUP_CONFIGS[key] === undefined ? undefined : 'value'),
  unknownKey: (key) => `Unknown group config name: ${key}`,
  valueInEffect: (ctx, _name, own, key) => String(groupConfigValue(ctx.config, own, key)),
  check(ctx, _name, configs) {
    const problem = checkGroupConfigs(ctx.config, configs);
    return problem === null ? null : refuse(ErrorCode.INVALID_CONFIG, problem);
  },
  async apply(ctx, name, configs) {
    ctx.groups.setGroupConfigs(name, configs);
    ctx.conn.log.info({ group: name, configs }, 'group configs altered');
    return null;
  },
};

export const brokerKind: ConfigKind = {
  own(ctx, name) {
    const id = String(ctx.config.nodeId);
    if (name !== '' && name !== id) return refuse(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${id} or empty string, but received ${name}`);
    return ctx.dynamicConfigs.get(name);
  },
  keyType: (key) => (KEYS.get(key) === undefined ? undefined : KEYS.get(key)!.type === 'list' ? 'list' : 'value'),
  unknownKey: unknownBrokerKey,
  valueInEffect(ctx, name, own, key) {
    const field = KEYS.get(key)?.field;
    if (field === null || field === undefined) return own[key] ?? null;
    const value = effectiveConfig(ctx.config.staticConfigs, ctx.dynamicConfigs.levels({ name, configs: own }))[field];
    return Array.isArray(value) ? value.join(',') : String(value);
  },
  check(ctx, name, configs) {
    const problem = checkDynamicConfigs(configs);
    if (problem !== null) return refuse(problem.kind === 'request' ? ErrorCode.INVALID_REQUEST : ErrorCode.INVALID_CONFIG, problem.message);
    try {
      effectiveConfig(ctx.config.staticConfigs, ctx.dynamicConfigs.levels({ name, configs }));
      return null;
    } catch (err) {
      if (err instanceof ConfigError) return refuse(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
  },
  async apply(ctx, name, configs) {
    await ctx.dynamicConfigs.alter(name, configs);
    ctx.conn.log.info({ broker: name === '' ? 'cluster default' : name, configs }, 'dynamic broker configs altered');
    return null;
  },
};

/** The kinds AlterConfigs and IncrementalAlterConfigs serve, by resource type. */
export const CONFIG_KINDS: ReadonlyMap<number, ConfigKind> = new Map([
  [ResourceType.TOPIC, topicKind],
  [ResourceType.GROUP, groupKind],
  [ResourceType.BROKER, brokerKind],
]);
