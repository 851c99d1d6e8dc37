// Metadata (3), versions 0-12: brokers, cluster id, controller, and topics with their
// partitions. Auto-creates requested topics when auto.create.topics.enable is on and the
// request allows it (always, before v4), as Kafka does: the only request that creates a topic
// other than CreateTopics (the coordinators create their internal topics themselves). The log
// line names the client and version that asked. Topics may be named by id from v10. The
// operations allowed on each topic and (v8-10) the cluster, when asked: all that apply (no authorizer).
import { ErrorCode } from '../../protocol/errors.js';
import type { MetadataResponseData } from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/primitives/reader.js';
import type { TopicInfo } from '../../cluster/topics.js';
import { handler, type RequestContext, type RequestOf, type ResponseOf } from '../dispatcher.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS, advertisedEndpoint, partitionLayout } from './common.js';

type RequestTopic = NonNullable<RequestOf<'Metadata'>['topics']>[number];
type ResponseTopic = MetadataResponseData.MetadataResponseTopic;

export const metadata = handler('Metadata', {
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req): Promise<ResponseOf<'Metadata'>> {
    const version = ctx.header.apiVersion;
    const requested = req.topics;
    const allTopics = requested === null || (version === 0 && requested.length === 0);
    // allowAutoTopicCreation decodes to its default, true, before v4 (which do not carry it)
    const autoCreate = ctx.config.autoCreateTopicsEnable && req.allowAutoTopicCreation;
    const withOps = req.includeTopicAuthorizedOperations;

    const topics: ResponseTopic[] = [];
    if (allTopics) {
      for (const t of ctx.topics.all()) topics.push(describe(ctx, t, withOps));
    } else {
      for (const r of requested) topics.push(await lookup(ctx, r, autoCreate, withOps));
    }
    return {
      throttleTimeMs: 0,
      brokers: [advertisedEndpoint(ctx)],
      clusterId: ctx.clusterId,
      controllerId: ctx.config.nodeId,
      topics,
      // v8-10 (later versions ask DescribeCluster)
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});

async function lookup(ctx: RequestContext, r: RequestTopic, autoCreate: boolean, withOps: boolean): Promise<ResponseTopic> {
  if (r.name === null) {
    const byId = r.topicId !== ZERO_UUID ? ctx.topics.getById(r.topicId) : undefined;
    if (byId !== undefined) return describe(ctx, byId, withOps);
    return failed(ErrorCode.UNKNOWN_TOPIC_ID, null, r.topicId);
  }
  const known = ctx.topics.get(r.name);
  if (known !== undefined) return describe(ctx, known, withOps);
  if (!autoCreate) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, r.name);
  const created = await ctx.cluster.ensureTopic(r.name, ctx.config.numPartitions);
  if (created.topic === undefined) return failed(created.errorCode, r.name);
  if (created.created === true) {
    const { clientId, apiVersion } = ctx.header;
    ctx.conn.log.info({ topic: r.name, partitions: created.topic.partitions, clientId, api: 'Metadata', apiVersion }, 'topic auto-created');
  }
  return describe(ctx, created.topic, withOps);
}

function describe(ctx: RequestContext, t: TopicInfo, withOps: boolean): ResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions: partitionLayout(ctx, t),
    topicAuthorizedOperations: withOps ? TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED,
  };
}

function failed(errorCode: number, name: string | null, topicId = ZERO_UUID): ResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
}
