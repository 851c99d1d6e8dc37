// Topic lifecycle on the main thread: create (with validation), auto-create, delete, adding
// partitions, changing configs (handed to the open partitions on their shards), and opening every
// partition on its owning shard at start-up. Changes to the registry are made one at a time, so
// concurrent admin requests never interleave.
import type { BrokerConfig } from '../config/index.js';
import { ErrorCode } from '../protocol/errors.js';
import { partitionKey, type ShardPool } from '../workers/pool.js';
import type { ConfigureItem, OpenResult } from '../workers/messages.js';
import { checkTopicConfig, logConfigFor } from './topic-config.js';
import { TopicRegistry, type TopicInfo, checkTopicName, newTopicId } from './topics.js';

export interface CreateTopicSpec {
  name: string;
  numPartitions: number;          // -1: num.partitions
  replicationFactor: number;      // -1: default.replication.factor
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface TopicOutcome { errorCode: number; errorMessage: string | null; topic?: TopicInfo; created?: boolean }

const MAX_PARTITIONS = 100_000;

/** Runs a registry change; a failure to write samsa-topics.json (a full disk) is KAFKA_STORAGE_ERROR. */
function tryPersist(change: () => unknown): TopicOutcome | null {
  try {
    change();
    return null;
  } catch (err) {
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `Could not write the topic registry: ${(err as Error).message}` };
  }
}
/** Partitions per open task at start-up: progress is reported as each chunk completes. */
const OPEN_CHUNK = 64;

export class Cluster {
  private queue: Promise<unknown> = Promise.resolve();

  /** shards: the partition owners (ShardPool; a stand-in in unit tests). */
  constructor(readonly config: BrokerConfig, readonly topics: TopicRegistry, readonly shards: Pick<ShardPool, 'shardFor' | 'scatter'>) {}

  /** Runs registry changes one after another. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  shardFor(topic: string, partition: number): number {
    return this.shards.shardFor(topic, partition);
  }

  /**
   * Opens (and recovers) every partition of every known topic on its shard. The partitions go to
   * the shards a chunk at a time (all chunks queued at once), so that a long recovery can report
   * its progress as each chunk completes. Logs in `cleanShutdownDirs` had a clean shutdown.
   */
  async openAll(onProgress?: (opened: OpenResult[], total: number) => void, cleanShutdownDirs: ReadonlySet<string> = new Set()): Promise<OpenResult[]> {
    const items = this.openItems([...this.topics.all()], 0, cleanShutdownDirs);
    const chunks: Promise<OpenResult[]>[] = [];
    for (let i = 0; i < items.length; i += OPEN_CHUNK) {
      const chunk = this.openScatter(items.slice(i, i + OPEN_CHUNK));
      chunks.push(onProgress === undefined ? chunk : chunk.then((opened) => {
        onProgress(opened, items.length);
        return opened;
      }));
    }
    return (await Promise.all(chunks)).flat();
  }

  /** Opens the partitions of `topics` from partition `from` on (a topic that grew: only its new ones). */
  private async openPartitions(topics: TopicInfo[], from = 0): Promise<OpenResult[]> {
    return this.openScatter(this.openItems(topics, from));
  }

  private openItems(topics: TopicInfo[], from = 0, cleanShutdownDirs: ReadonlySet<string> = new Set()) {
    return topics.flatMap((t) => Array.from({ length: t.partitions - from }, (_, i) => i + from).map((p) => ({
      topic: t.name, partition: p,
      open: {
        key: partitionKey(t.name, p), dir: this.topics.partitionDir(t, p), config: logConfigFor(this.config, t.configs),
        cleanShutdown: cleanShutdownDirs.has(t.logDir),
      },
    })));
  }

  private openScatter(items: ReturnType<Cluster['openItems']>): Promise<OpenResult[]> {
    return this.shards.scatter(
      items, (i) => this.shardFor(i.topic, i.partition), (list) => ({ op: 'open', partitions: list.map((i) => i.open) }),
    );
  }

  /** CreateTopics and CreatePartitions: manual replica assignments may name only this broker. */
  private otherBrokers(assignments: number[][]): TopicOutcome | null {
    const node = this.config.nodeId;
    if (assignments.every((replicas) => replicas.length === 1 && replicas[0] === node)) return null;
    return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Replica assignment must name only broker ${node}, the one broker of this cluster` };
  }

  validate(spec: CreateTopicSpec): TopicOutcome {
    const fail = (errorCode: number, errorMessage: string): TopicOutcome => ({ errorCode, errorMessage });
    const nameProblem = checkTopicName(spec.name);
    if (nameProblem !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (spec.name.startsWith('__')) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name ${spec.name} is reserved for internal topics`);
    if (this.topics.get(spec.name) !== undefined) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    const collides = [...this.topics.all()].find((t) => t.name.replace(/\./g, '_') === spec.name.replace(/\./g, '_'));
    if (collides !== undefined) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${collides.name}`);
    let partitions = spec.numPartitions;
    if (spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const indexes = spec.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
      if (indexes.some((p, i) => p !== i)) return fail(ErrorCode.INVALID_PARTITIONS, 'Partitions should be a consecutive 0-based integer sequence');
      const notHere = this.otherBrokers(spec.assignments.map((a) => a.brokerIds));
      if (notHere !== null) return notHere;
      partitions = indexes.length;
    } else {
      if (partitions === -1) partitions = this.config.numPartitions;
      if (partitions <= 0 || partitions > MAX_PARTITIONS) return fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${spec.numPartitions}.`);
      const rf = spec.replicationFactor === -1 ? this.config.defaultReplicationFactor : spec.replicationFactor;
      if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
      if (rf > 1) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`);
    }
    const configs: Record<string, string> = {};
    for (const c of spec.configs) {
      const problem = checkTopicConfig(c.name, c.value);
      if (problem !== null) return fail(ErrorCode.INVALID_CONFIG, problem);
      configs[c.name] = c.value!;
    }
    return {
      errorCode: ErrorCode.NONE, errorMessage: null,
      topic: { name: spec.name, topicId: newTopicId(), partitions, configs, logDir: this.topics.pickLogDir(), internal: false },
    };
  }

  createTopic(spec: CreateTopicSpec, validateOnly: boolean): Promise<TopicOutcome> {
    return this.serial(async () => {
      const outcome = this.validate(spec);
      if (outcome.topic === undefined || validateOnly) return outcome;
      return this.install(outcome.topic);
    });
  }

  /** Adds a topic the broker itself creates (auto-creation, internal topics). */
  ensureTopic(name: string, partitions: number, internal = false, configs: Record<string, string> = {}): Promise<TopicOutcome> {
    return this.serial(async () => {
      const existing = this.topics.get(name);
      if (existing !== undefined) return { errorCode: ErrorCode.NONE, errorMessage: null, topic: existing };
      const nameProblem = checkTopicName(name);
      if (nameProblem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
      return this.install({ name, topicId: newTopicId(), partitions, configs, logDir: this.topics.pickLogDir(), internal });
    });
  }

  private async install(topic: TopicInfo): Promise<TopicOutcome> {
    const opened = await this.openPartitions([topic]);
    const failed = opened.find((o) => o.errorCode !== ErrorCode.NONE);
    if (failed !== undefined) {
      await this.dropPartitions(topic);
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `Could not create the log of ${failed.key}: ${failed.error ?? ''}` };
    }
    const problem = tryPersist(() => this.topics.add(topic));
    if (problem !== null) {
      await this.dropPartitions(topic);
      return problem;
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, topic, created: true };
  }

  /**
   * CreatePartitions: grows a topic to `count` partitions, the new ones opened on their shards before
   * the registry says so. `assignments` (one replica list per new partition) may only name this broker.
   */
  createPartitions(name: string, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<TopicOutcome> {
    return this.serial(async () => {
      const fail = (errorCode: number, errorMessage: string): TopicOutcome => ({ errorCode, errorMessage });
      const topic = this.topics.get(name);
      if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
      if (topic.internal) return fail(ErrorCode.INVALID_REQUEST, `Cannot add partitions to the internal topic ${name}.`);
      if (count === topic.partitions) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${count} partitions.`);
      if (count < topic.partitions) return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${count}.`);
      if (count > MAX_PARTITIONS) return fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS}, got ${count}.`);
      if (assignments !== null) {
        if (assignments.length !== count - topic.partitions) {
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - topic.partitions} but ${assignments.length} assignments provided.`);
        }
        const notHere = this.otherBrokers(assignments);
        if (notHere !== null) return notHere;
      }
      if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
      const before = topic.partitions;
      const grown = { ...topic, partitions: count };
      const opened = await this.openPartitions([grown], before);
      const failed = opened.find((o) => o.errorCode !== ErrorCode.NONE);
      if (failed !== undefined) {
        await this.dropPartitions(grown, before);
        return fail(ErrorCode.KAFKA_STORAGE_ERROR, `Could not create the log of ${failed.key}: ${failed.error ?? ''}`);
      }
      const problem = tryPersist(() => this.topics.update(topic, { partitions: count }));
      if (problem !== null) {
        await this.dropPartitions(grown, before);
        return problem;
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  /**
   * Gives a topic a new set of configs (already validated), persisted in the registry, then hands
   * the resulting LogConfig to every open partition of it on its shard.
   */
  alterTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicOutcome> {
    return this.serial(async () => {
      const topic = this.topics.get(name);
      if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
      const problem = tryPersist(() => this.topics.update(topic, { configs }));
      if (problem !== null) return problem;
      await this.configurePartitions([topic]);
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  /** After the broker's topic defaults changed (dynamic broker configs): every partition gets its LogConfig again. */
  reconfigureAll(): Promise<void> {
    return this.serial(() => this.configurePartitions([...this.topics.all()]));
  }

  /** Hands each partition of `topics` its LogConfig from the topic's configs and the broker's settings now. */
  private async configurePartitions(topics: TopicInfo[]): Promise<void> {
    const items = topics.flatMap((t) => {
      const config = logConfigFor(this.config, t.configs);
      return Array.from({ length: t.partitions }, (_, p): ConfigureItem & { topic: string; partition: number } => ({ topic: t.name, partition: p, key: partitionKey(t.name, p), config }));
    });
    await this.shards.scatter(items, (i) => this.shardFor(i.topic, i.partition), (list) => ({
      op: 'configure', items: list.map(({ key, config }): ConfigureItem => ({ key, config })),
    }));
  }

  deleteTopic(name: string): Promise<TopicOutcome> {
    return this.serial(async () => {
      const topic = this.topics.get(name);
      if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
      // The coordinators' own topics (__consumer_offsets) hold state they are serving.
      if (topic.internal) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic ${name} is internal and cannot be deleted.` };
      const problem = tryPersist(() => this.topics.remove(name));
      if (problem !== null) return problem;
      await this.dropPartitions(topic);
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  private async dropPartitions(topic: TopicInfo, from = 0): Promise<void> {
    const ps = Array.from({ length: topic.partitions - from }, (_, i) => i + from);
    await this.shards.scatter(ps, (p) => this.shardFor(topic.name, p), (list) => ({ op: 'delete', keys: list.map((p) => partitionKey(topic.name, p)) }));
  }
}
