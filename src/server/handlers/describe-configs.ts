// DescribeConfigs (32), versions 0-4: the configs of topic and broker resources, all of them or the
// keys asked for, each with its value in effect, its source, its type (v3+) and, when asked, its
// synonyms (the settings it could come from, in order of precedence; only when include_synonyms is
// set) and a line of documentation. No keys (null or an empty list) is every config.
// A topic config comes from the topic (TOPIC_CONFIG), else from its broker setting as set in
// server.properties or by --override (STATIC_BROKER_CONFIG), else from that setting's default
// (DEFAULT_CONFIG); see src/cluster/topic-config.ts. The broker resource (named by its node id)
// lists every setting samsa reads, from this broker's dynamic configs (DYNAMIC_BROKER_CONFIG), else
// the cluster-wide ones (DYNAMIC_DEFAULT_BROKER_CONFIG), else server.properties (STATIC_BROKER_CONFIG),
// else the default; the dynamic ones (src/config/dynamic.ts) are not read-only. The cluster-wide
// resource (name '') lists the dynamic defaults set. A topic config's synonyms follow the same chain.
// A group (KIP-848's GROUP resource, named by its id, existing or not) lists
// consumer.session.timeout.ms and consumer.heartbeat.interval.ms: its own value (GROUP_CONFIG)
// else the broker's setting (DEFAULT_CONFIG). v0 tells a default by is_default instead of a source.
import { TOPIC_CONFIGS, topicConfigValue, ConfigType } from '../../cluster/topic-config.js';
import { defaultConfig, DYNAMIC_KEYS, type BrokerConfig, type DynamicLevels } from '../../config/index.js';
import { KEY_TABLE, type KeyDef } from '../../config/keys.js';
import type { Configs } from '../../cluster/config-store.js';
import { GROUP_CONFIGS, groupConfigValue } from '../../groups/group-config.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeConfigsResponseData } from '../../protocol/messages/index.js';
import { handler, type RequestContext, type RequestOf, type ResponseOf } from '../dispatcher.js';
import { ConfigSource, ResourceType, type Refusal } from './config-resources.js';

type DescribeResource = RequestOf<'DescribeConfigs'>['resources'][number];
type ConfigEntry = DescribeConfigsResponseData.DescribeConfigsResourceResult;
type Synonym = DescribeConfigsResponseData.DescribeConfigsSynonym;
interface Options { synonyms: boolean; documentation: boolean }

const KEY_TYPES: Record<KeyDef['type'], number> = {
  int: ConfigType.INT, long: ConfigType.LONG, boolean: ConfigType.BOOLEAN, list: ConfigType.LIST, string: ConfigType.STRING,
};

let defaults: BrokerConfig | null = null;

export const describeConfigs = handler('DescribeConfigs', {
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req): ResponseOf<'DescribeConfigs'> {
    const options: Options = { synonyms: req.includeSynonyms, documentation: req.includeDocumentation };
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => {
        const described = describe(ctx, r, options);
        const ok = Array.isArray(described);
        return {
          errorCode: ok ? ErrorCode.NONE : described.errorCode, errorMessage: ok ? null : described.errorMessage,
          resourceType: r.resourceType, resourceName: r.resourceName, configs: ok ? described : [],
        };
      }),
    };
  },
});

function describe(ctx: RequestContext, r: DescribeResource, options: Options): ConfigEntry[] | Refusal {
  // Null or an empty list: every config, as Kafka answers both.
  const keys = r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys);
  const wanted = (name: string): boolean => keys === null || keys.has(name);
  const { config } = ctx;
  const levels = ctx.dynamicConfigs.levels();
  if (r.resourceType === ResourceType.TOPIC) {
    const topic = ctx.topics.get(r.resourceName);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${r.resourceName}' does not exist.` };
    return Object.keys(TOPIC_CONFIGS).filter(wanted).map((name) => topicEntry(config, levels, topic.configs, name, options));
  }
  if (r.resourceType === ResourceType.BROKER) {
    if (r.resourceName !== '' && r.resourceName !== String(config.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${config.nodeId} or empty string, but received ${r.resourceName}` };
    }
    // The cluster-wide resource shows the dynamic defaults set, as Kafka does; this broker's, every setting.
    const shown = r.resourceName === '' ? (def: KeyDef) => levels.clusterDefault[def.key] !== undefined : () => true;
    const shownLevels = r.resourceName === '' ? { clusterDefault: levels.clusterDefault, perBroker: {}, static: {} } : { ...levels, static: config.staticConfigs };
    return KEY_TABLE.filter((def) => def.aliasOf === undefined && wanted(def.key) && shown(def)).map((def) => brokerEntry(shownLevels, def, options));
  }
  if (r.resourceType === ResourceType.GROUP) {
    if (r.resourceName === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Group name must not be empty' };
    const own = ctx.groups.groupConfigs(r.resourceName);
    return Object.keys(GROUP_CONFIGS).filter(wanted).map((name) => groupEntry(config, own, name, options));
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType}.` };
}

/** As Kafka: a group's own value is its one synonym (GROUP_CONFIG); the default has none. */
function groupEntry(broker: BrokerConfig, own: Configs, name: string, options: Options): ConfigEntry {
  const chain: Synonym[] = own[name] === undefined ? [] : [{ name, value: own[name], source: ConfigSource.GROUP_CONFIG }];
  return entry(name, String(groupConfigValue(broker, own, name)), false, chain, ConfigType.INT, GROUP_CONFIGS[name]!.doc, options);
}

type Levels = DynamicLevels & { static: Readonly<Record<string, string>> };

/** A topic config's default may be spelled several ways at the broker (Kafka's brokerConfigSynonyms). */
const BROKER_SYNONYMS: Record<string, string[]> = {
  'log.retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'log.roll.ms': ['log.roll.ms', 'log.roll.hours'],
};

/** The broker levels that set any of `names`, most binding first, as Kafka lists synonyms. */
function brokerChain(levels: Levels, names: string[]): Synonym[] {
  const chain: Synonym[] = [];
  const sources: [Readonly<Record<string, string>>, number][] = [
    [levels.perBroker, ConfigSource.DYNAMIC_BROKER_CONFIG], [levels.clusterDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [levels.static, ConfigSource.STATIC_BROKER_CONFIG],
  ];
  for (const [level, source] of sources) {
    for (const name of names) if (level[name] !== undefined) chain.push({ name, value: level[name], source });
  }
  return chain;
}

function topicEntry(broker: BrokerConfig, levels: DynamicLevels, configs: Record<string, string>, name: string, options: Options): ConfigEntry {
  const def = TOPIC_CONFIGS[name]!;
  defaults ??= defaultConfig();
  const chain: Synonym[] = [];
  if (configs[name] !== undefined) chain.push({ name, value: configs[name], source: ConfigSource.TOPIC_CONFIG });
  chain.push(...brokerChain({ ...levels, static: broker.staticConfigs }, BROKER_SYNONYMS[def.brokerKey] ?? [def.brokerKey]));
  chain.push({ name: def.brokerKey, value: def.brokerValue(defaults), source: ConfigSource.DEFAULT_CONFIG });
  return entry(name, topicConfigValue(broker, configs, name), false, chain, def.type, def.doc, options);
}

function brokerEntry(levels: Levels, def: KeyDef, options: Options): ConfigEntry {
  const dflt = def.defaultValue();
  const defaultText = dflt === null ? null : Array.isArray(dflt) ? dflt.join(',') : dflt === Number.MAX_SAFE_INTEGER ? '9223372036854775807' : String(dflt);
  const chain = [...brokerChain(levels, [def.key]), { name: def.key, value: defaultText, source: ConfigSource.DEFAULT_CONFIG }];
  return entry(def.key, chain[0]!.value, !DYNAMIC_KEYS.has(def.key), chain, KEY_TYPES[def.type], null, options);
}

function entry(name: string, value: string | null, readOnly: boolean, chain: Synonym[], configType: number, doc: string | null, options: Options): ConfigEntry {
  return {
    name, value, readOnly,
    isDefault: (chain[0]?.source ?? ConfigSource.DEFAULT_CONFIG) === ConfigSource.DEFAULT_CONFIG,
    configSource: chain[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
    synonyms: options.synonyms ? chain : [],
    configType,
    documentation: options.documentation ? doc : null,
  };
}
