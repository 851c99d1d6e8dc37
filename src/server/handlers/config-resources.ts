// What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: Kafka's resource types and
// config sources, and the alter flow for a list of resources. Topic configs are validated as a
// whole (each key known, each value valid) and replace the topic's set in one step: persisted in the
// registry and handed to the topic's open partitions (Cluster.alterTopicConfigs), so they apply at
// once and survive restarts. The broker's own settings are static (server.properties and
// --override): altering them is INVALID_REQUEST.
import { checkTopicConfig } from '../../cluster/topic-config.js';
import type { TopicInfo } from '../../cluster/topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestContext } from '../dispatcher.js';
import { repeated } from './common.js';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
export const ConfigSource = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

export interface Resource { resourceType: number; resourceName: string }
export interface ResourceOutcome { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }

/** The topic's new configs, or the error that refuses them. */
export type ConfigChange = { configs: Record<string, string> } | { errorCode: number; errorMessage: string };

/**
 * Runs `change` for each resource: computes the topic's new configs from its current ones, checks
 * every one of them, and applies them unless `validateOnly`. A resource named twice is refused.
 */
export async function alterResources<R extends Resource>(
  ctx: RequestContext, resources: R[], validateOnly: boolean, change: (resource: R, topic: TopicInfo) => ConfigChange,
): Promise<ResourceOutcome[]> {
  const keyOf = (r: Resource): string => `${r.resourceType}:${r.resourceName}`;
  const twice = repeated(resources.map(keyOf));
  const out: ResourceOutcome[] = [];
  for (const r of resources) {
    const answer = (errorCode: number, errorMessage: string | null): void => {
      out.push({ errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName });
    };
    if (twice.has(keyOf(r))) {
      answer(ErrorCode.INVALID_REQUEST, `Duplicate resource ${r.resourceName} in the request.`);
      continue;
    }
    if (r.resourceType === ResourceType.BROKER || r.resourceType === ResourceType.BROKER_LOGGER) {
      answer(ErrorCode.INVALID_REQUEST, 'Samsa\'s broker configs are static: set them in server.properties or with --override and restart.');
      continue;
    }
    if (r.resourceType !== ResourceType.TOPIC) {
      answer(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}.`);
      continue;
    }
    const topic = ctx.broker.topics.get(r.resourceName);
    if (topic === undefined) {
      answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${r.resourceName}' does not exist.`);
      continue;
    }
    const next = change(r, topic);
    if (!('configs' in next)) {
      answer(next.errorCode, next.errorMessage);
      continue;
    }
    const { configs } = next;
    const problem = Object.entries(configs).map(([name, value]) => checkTopicConfig(name, value)).find((p) => p !== null);
    if (problem !== undefined) {
      answer(ErrorCode.INVALID_CONFIG, problem);
      continue;
    }
    if (validateOnly) {
      answer(ErrorCode.NONE, null);
      continue;
    }
    const outcome = await ctx.broker.cluster.alterTopicConfigs(topic.name, configs);
    if (outcome.errorCode === ErrorCode.NONE) ctx.conn.log.info({ topic: topic.name, configs }, 'topic configs altered');
    answer(outcome.errorCode, outcome.errorMessage);
  }
  return out;
}

export function refuse(errorCode: number, errorMessage: string): ConfigChange {
  return { errorCode, errorMessage };
}

/** A config named twice among a resource's changes. */
export function duplicateName(names: string[]): string | undefined {
  return repeated(names).values().next().value;
}
