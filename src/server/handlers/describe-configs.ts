// DescribeConfigs (32), versions 0-4: the configs of topic and broker resources, all of them or the
// keys asked for, each with its value in effect, its source, its type (v3+) and, when asked, its
// synonyms (the settings it could come from, in order of precedence) and a line of documentation.
// A topic config comes from the topic (TOPIC_CONFIG), else from its broker setting as set in
// server.properties or by --override (STATIC_BROKER_CONFIG), else from that setting's default
// (DEFAULT_CONFIG); see src/cluster/topic-config.ts. The broker resource (named by its node id)
// lists every setting samsa reads, read-only; the cluster-wide default resource (name '') has no
// dynamic settings to show. v0 tells a default by is_default instead of a source.
import { TOPIC_CONFIGS, topicConfigValue, ConfigType } from '../../cluster/topic-config.js';
import { defaultConfig, type BrokerConfig } from '../../config/index.js';
import { KEY_TABLE, type KeyDef } from '../../config/keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler, RequestContext } from '../dispatcher.js';
import { ConfigSource, ResourceType, type Resource } from './config-resources.js';

interface DescribeResource extends Resource { configurationKeys: string[] | null }
interface Synonym { name: string; value: string | null; source: number }
interface Options { synonyms: boolean; documentation: boolean }

const KEY_TYPES: Record<KeyDef['type'], number> = {
  int: ConfigType.INT, long: ConfigType.LONG, boolean: ConfigType.BOOLEAN, list: ConfigType.LIST, string: ConfigType.STRING,
};

let defaults: BrokerConfig | null = null;

export const describeConfigs: ApiHandler = {
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const options: Options = { synonyms: req.includeSynonyms === true, documentation: req.includeDocumentation === true };
    return {
      throttleTimeMs: 0,
      results: (req.resources as DescribeResource[]).map((r) => {
        const described = describe(ctx, r, options);
        const ok = Array.isArray(described);
        return {
          errorCode: ok ? ErrorCode.NONE : described.errorCode, errorMessage: ok ? null : described.errorMessage,
          resourceType: r.resourceType, resourceName: r.resourceName, configs: ok ? described : [],
        };
      }),
    };
  },
};

function describe(ctx: RequestContext, r: DescribeResource, options: Options): unknown[] | { errorCode: number; errorMessage: string } {
  const wanted = (name: string): boolean => r.configurationKeys === null || r.configurationKeys.includes(name);
  const { config } = ctx.broker;
  if (r.resourceType === ResourceType.TOPIC) {
    const topic = ctx.broker.topics.get(r.resourceName);
    if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${r.resourceName}' does not exist.` };
    return Object.keys(TOPIC_CONFIGS).filter(wanted).map((name) => topicEntry(config, topic.configs, name, options));
  }
  if (r.resourceType === ResourceType.BROKER) {
    if (r.resourceName === '') return [];
    if (r.resourceName !== String(config.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${config.nodeId} or empty string, but received ${r.resourceName}` };
    }
    return KEY_TABLE.filter((def) => def.aliasOf === undefined && wanted(def.key)).map((def) => brokerEntry(config, def, options));
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${r.resourceType}.` };
}

function topicEntry(broker: BrokerConfig, configs: Record<string, string>, name: string, options: Options) {
  const def = TOPIC_CONFIGS[name]!;
  defaults ??= defaultConfig();
  const brokerValue = def.brokerValue(broker);
  const defaultValue = def.brokerValue(defaults);
  const chain: Synonym[] = [];
  if (configs[name] !== undefined) chain.push({ name, value: configs[name], source: ConfigSource.TOPIC_CONFIG });
  if (brokerValue !== defaultValue) chain.push({ name: def.brokerKey, value: brokerValue, source: ConfigSource.STATIC_BROKER_CONFIG });
  chain.push({ name: def.brokerKey, value: defaultValue, source: ConfigSource.DEFAULT_CONFIG });
  return entry(name, topicConfigValue(broker, configs, name), false, chain, def.type, def.doc, options);
}

function brokerEntry(broker: BrokerConfig, def: KeyDef, options: Options) {
  const set = broker.staticConfigs[def.key];
  const dflt = def.defaultValue();
  const defaultText = dflt === null ? null : Array.isArray(dflt) ? dflt.join(',') : dflt === Number.MAX_SAFE_INTEGER ? '9223372036854775807' : String(dflt);
  const chain: Synonym[] = [];
  if (set !== undefined) chain.push({ name: def.key, value: set, source: ConfigSource.STATIC_BROKER_CONFIG });
  chain.push({ name: def.key, value: defaultText, source: ConfigSource.DEFAULT_CONFIG });
  return entry(def.key, set ?? defaultText, true, chain, KEY_TYPES[def.type], null, options);
}

function entry(name: string, value: string | null, readOnly: boolean, chain: Synonym[], configType: number, doc: string | null, options: Options) {
  return {
    name, value, readOnly,
    isDefault: chain[0]!.source === ConfigSource.DEFAULT_CONFIG,
    configSource: chain[0]!.source,
    isSensitive: false,
    synonyms: options.synonyms ? chain : [],
    configType,
    documentation: options.documentation ? doc : null,
  };
}
