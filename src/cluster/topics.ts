// The topic registry: every topic's name, id, partition count, configs and log dir, kept on
// the main thread and written atomically to samsa-topics.json in the first log dir, so that it
// survives restarts. Partition logs themselves belong to the shard workers.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DELETED_DIR } from '../storage/file-names.js';
import { writeFileDurably } from '../storage/durable-file.js';

export interface TopicInfo {
  name: string;
  topicId: string;          // 32 hex digits
  partitions: number;
  configs: Record<string, string>;
  logDir: string;
  internal: boolean;
}

const REGISTRY_FILE = 'samsa-topics.json';
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
/** Whether the topic exists and has the partition. */
export function hasPartition(topic: TopicInfo | undefined, partition: number): topic is TopicInfo {
  return topic !== undefined && partition >= 0 && partition < topic.partitions;
}

export const MAX_TOPIC_NAME_LENGTH = 249;

/** Null when the name is a legal topic name, else the reason (INVALID_TOPIC_EXCEPTION). */
export function checkTopicName(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name === '') return 'Topic name is empty';
  if (name === '.' || name === '..') return `Topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!LEGAL_NAME.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

export class TopicRegistry {
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  /** Told after every change (network threads keep a view of the topics: src/network/threads.ts). */
  private changed: (() => void) | null = null;

  private constructor(private readonly logDirs: string[]) {}

  /** `listener` is called after every change that is made. */
  onChange(listener: () => void): void {
    this.changed = listener;
  }

  static load(logDirs: string[]): TopicRegistry {
    const registry = new TopicRegistry(logDirs);
    // Partitions deleted just before a crash: their renamed directories go, in the background.
    for (const dir of logDirs) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        if (DELETED_DIR.test(name)) fs.rm(path.join(dir, name), { recursive: true, force: true }, () => {});
      }
    }
    const file = path.join(logDirs[0]!, REGISTRY_FILE);
    if (fs.existsSync(file)) {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { topics: TopicInfo[] };
      for (const t of stored.topics) registry.index(t);
    }
    return registry;
  }

  get(name: string): TopicInfo | undefined { return this.byName.get(name); }
  getById(topicId: string): TopicInfo | undefined { return this.byId.get(topicId); }
  all(): IterableIterator<TopicInfo> { return this.byName.values(); }
  get size(): number { return this.byName.size; }

  /** The log dir holding the fewest partitions takes the next topic. */
  pickLogDir(): string {
    const load = new Map(this.logDirs.map((d) => [d, 0]));
    for (const t of this.byName.values()) load.set(t.logDir, (load.get(t.logDir) ?? 0) + t.partitions);
    return [...load].sort((a, b) => a[1] - b[1])[0]![0];
  }

  // Each change is written first and made in memory only once written: a failed write (a full
  // disk) throws and leaves the registry as it was, on disk and in memory.

  add(topic: TopicInfo): void {
    this.persist([...this.byName.values(), topic]);
    this.index(topic);
    this.changed?.();
  }

  /** Changes a registered topic's partition count or configs. */
  update(topic: TopicInfo, change: Partial<Pick<TopicInfo, 'partitions' | 'configs'>>): void {
    if (this.byName.get(topic.name) !== topic) throw new Error(`topic ${topic.name} is not registered`);
    const changed = { ...topic, ...change };
    this.persist([...this.byName.values()].map((t) => (t === topic ? changed : t)));
    Object.assign(topic, change);
    this.changed?.();
  }

  remove(name: string): TopicInfo | undefined {
    const topic = this.byName.get(name);
    if (topic === undefined) return undefined;
    this.persist([...this.byName.values()].filter((t) => t !== topic));
    this.byName.delete(name);
    this.byId.delete(topic.topicId);
    this.changed?.();
    return topic;
  }

  partitionDir(topic: TopicInfo, partition: number): string {
    return path.join(topic.logDir, `${topic.name}-${partition}`);
  }

  private index(topic: TopicInfo): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.topicId, topic);
  }

  /** Write to a temp file, fsync, rename over the old one, fsync the directory. */
  private persist(topics: TopicInfo[]): void {
    const body = JSON.stringify({ version: 1, topics }, null, 1);
    writeFileDurably(path.join(this.logDirs[0]!, REGISTRY_FILE), body);
  }
}
