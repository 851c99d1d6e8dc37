// What a request handler may reach: the request (header, connection, frame, memory) and the broker's
// rooms through small interfaces, each the part of a room that handlers use. broker.ts builds one
// BrokerServices and the dispatcher hands it to every handler; nothing here imports the broker, so
// a handler runs as well against in-memory stand-ins (test/unit) as against the real rooms.
import type { Configs, ConfigStore } from '../cluster/config-store.js';
import type { Cluster } from '../cluster/cluster.js';
import type { TopicRegistry } from '../cluster/topics.js';
import type { BrokerConfig } from '../config/index.js';
import type { Purgatory } from '../fetch/purgatory.js';
import type { FetchSessionCache } from '../fetch/sessions.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { DynamicLevels } from '../config/dynamic.js';
import type { RequestHeader } from '../protocol/headers.js';
import type { TransactionCoordinator } from '../transactions/coordinator.js';
import type { ProducerIdManager } from '../transactions/producer-ids.js';
import type { ShardPool } from '../workers/pool.js';
import type { Connection } from './connection.js';
import type { FrameMemory } from './frame-pool.js';
import type { HandlerMemory } from './request-memory.js';

/** The topic registry as handlers read it: topics by name and by id. */
export type TopicCatalog = Pick<TopicRegistry, 'get' | 'getById' | 'all'>;

/** Creating, growing, reconfiguring and deleting topics (each change serialized by the cluster). */
export type TopicAdmin = Pick<Cluster, 'validate' | 'createTopic' | 'ensureTopic' | 'createPartitions' | 'alterTopicConfigs' | 'deleteTopic'>;

/** The partition owners: which shard worker owns a partition, and tasks run on those workers. */
export interface PartitionOwners extends Pick<ShardPool, 'scatter'> {
  shardFor(topic: string, partition: number): number;
}

/** The group coordinator, as the group APIs use it. */
export type Groups = Pick<GroupCoordinator,
  | 'groups' | 'log' | 'offsets' | 'status' | 'classicGroup' | 'consumerGroup' | 'armExpiry' | 'validateCommit'
  | 'commit' | 'commitInTransaction' | 'hasPendingOffset' | 'deleteOffsets' | 'deleteGroup' | 'subscribedTopics'
  | 'groupConfigs' | 'setGroupConfigs'>;

/** The transaction coordinator, as the transaction APIs use it. */
export type Transactions = Pick<TransactionCoordinator, 'transactions' | 'log' | 'status' | 'initProducerId' | 'check' | 'addPartitions' | 'endTxn'>;

/** The dynamic broker configs (AlterConfigs and IncrementalAlterConfigs on BROKER resources). */
export interface DynamicBrokerConfigs {
  /** The stored set of one level: String(node.id), or '' for the cluster-wide defaults. */
  get: ConfigStore['get'];
  /** The levels in effect, with one level's set replaced by `change` (to check it before storing). */
  levels(change?: { name: string; configs: Configs }): DynamicLevels;
  /** Stores one level's new set (checked by the caller) and puts it in effect at once. */
  alter(name: string, configs: Configs): Promise<void>;
}

/** The API version ranges this broker serves (ApiVersions). */
export interface ApiVersionRange { apiKey: number; minVersion: number; maxVersion: number }

/** The rooms of one broker, as handlers see them. */
export interface BrokerServices {
  /** This broker's settings, the dynamic ones applied (they change in place when altered). */
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicCatalog;
  readonly cluster: TopicAdmin;
  readonly partitions: PartitionOwners;
  readonly groups: Groups;
  readonly transactions: Transactions;
  readonly producerIds: Pick<ProducerIdManager, 'generateProducerId'>;
  /** Waiting fetches (long polls); the partition owners wake them on every append (broker.ts). */
  readonly purgatory: Pick<Purgatory, 'wait'>;
  readonly fetchSessions: Pick<FetchSessionCache, 'open' | 'respondedLast'>;
  readonly dynamicConfigs: DynamicBrokerConfigs;
  readonly metrics: Pick<BrokerMetrics, 'countFetched'>;
  apiVersions(): ApiVersionRange[];
}

/** The connection a request came on, as handlers use it (on a network thread's behalf too: src/network/forwarded.ts). */
export type ClientConnection = Pick<Connection, 'log' | 'reject' | 'closed' | 'listenerName' | 'onClose'> & {
  readonly socket: Pick<Connection['socket'], 'remoteAddress'>;
};

/** One request in flight: what it is, where it came from, and the rooms it may reach. */
export interface RequestContext extends BrokerServices {
  readonly header: RequestHeader;
  readonly conn: ClientConnection;
  /** The request's bytes (a Produce frame's in shared memory, which its shards read in place). */
  readonly frame: Readonly<FrameMemory>;
  /** What the request holds until its reply is written (see request-memory.ts). */
  readonly memory: HandlerMemory;
}
