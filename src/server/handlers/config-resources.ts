// What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: Kafka's resource types and
// config sources, the kinds of resource whose configs can change (config-kinds.ts: topics, groups,
// the broker's dynamic configs) and the alter flow for a list of resources. A resource's new set
// is computed from its own configs, checked as a whole (each key known, each value valid, the
// bounds between them) and applied in one step unless validate_only: persisted and in effect at
// once. BROKER_LOGGER and other types are INVALID_REQUEST.
import type { Configs } from '../../cluster/config-store.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestContext, RequestOf, ResponseOf } from '../dispatcher.js';
import { repeated } from './common.js';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 } as const;
export const ConfigSource = {
  TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5, GROUP_CONFIG: 8,
} as const;

/** What a resource of AlterConfigs and IncrementalAlterConfigs is named by. */
export type Resource = Pick<RequestOf<'AlterConfigs'>['resources'][number], 'resourceType' | 'resourceName'>;
/** A resource's answer, the same in both responses. */
export type ResourceOutcome = ResponseOf<'AlterConfigs'>['responses'][number];
export interface Refusal { errorCode: number; errorMessage: string }

/** How one resource type's configs are read, checked and changed. */
export interface ConfigKind {
  /** The resource's own configs, or why it cannot have any (an unknown topic, another broker's id). */
  own(ctx: RequestContext, name: string): Configs | Refusal;
  /** 'list' for list configs (APPEND and SUBTRACT), 'value' for the others, undefined for an unknown key. */
  keyType(key: string): 'list' | 'value' | undefined;
  /** Kafka's message for a key this kind does not know. */
  unknownKey(key: string): string;
  /** The value in effect given these own configs (APPEND and SUBTRACT start from it). */
  valueInEffect(ctx: RequestContext, name: string, own: Configs, key: string): string | null;
  /** Null when the resource's whole new set is acceptable, else why not. */
  check(ctx: RequestContext, name: string, configs: Configs): Refusal | null;
  /** Persists the new set and puts it in effect. */
  apply(ctx: RequestContext, name: string, configs: Configs): Promise<Refusal | null>;
}

/** The resource's new configs, or the error that refuses them. */
export type ConfigChange = { configs: Record<string, string> } | Refusal;

export const isRefusal = (x: object): x is Refusal => 'errorCode' in x;

/**
 * Runs `change` for each resource: computes its new configs from its own, checks them, and applies
 * them unless `validateOnly`. A resource named twice is refused.
 */
export async function alterResources<R extends Resource>(
  ctx: RequestContext, resources: readonly R[], validateOnly: boolean, kinds: ReadonlyMap<number, ConfigKind>,
  change: (resource: R, kind: ConfigKind, own: Configs) => ConfigChange,
): Promise<ResourceOutcome[]> {
  const keyOf = (r: Resource): string => `${r.resourceType}:${r.resourceName}`;
  const twice = repeated(resources.map(keyOf));
  const out: ResourceOutcome[] = [];
  for (const r of resources) {
    const answer = (errorCode: number, errorMessage: string | null): void => {
      out.push({ errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName });
    };
    const outcome = twice.has(keyOf(r))
      ? refuse(ErrorCode.INVALID_REQUEST, `Duplicate resource ${r.resourceName} in the request.`)
      : await alterOne(ctx, r, validateOnly, kinds.get(r.resourceType), change);
    answer(outcome?.errorCode ?? ErrorCode.NONE, outcome?.errorMessage ?? null);
  }
  return out;
}

async function alterOne<R extends Resource>(
  ctx: RequestContext, r: R, validateOnly: boolean, kind: ConfigKind | undefined,
  change: (resource: R, kind: ConfigKind, own: Configs) => ConfigChange,
): Promise<Refusal | null> {
  if (kind === undefined) return refuse(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${r.resourceType}.`);
  const own = kind.own(ctx, r.resourceName);
  if (isRefusal(own)) return own;
  const next = change(r, kind, own);
  if (isRefusal(next)) return next;
  const problem = kind.check(ctx, r.resourceName, next.configs);
  if (problem !== null || validateOnly) return problem;
  return kind.apply(ctx, r.resourceName, next.configs);
}

export function refuse(errorCode: number, errorMessage: string): Refusal {
  return { errorCode, errorMessage };
}

/** A config named twice among a resource's changes. */
export function duplicateName(names: string[]): string | undefined {
  return repeated(names).values().next().value;
}
