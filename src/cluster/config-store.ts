// Configs of named resources kept beside the topic registry: groups' configs (KIP-848) and the
// broker's dynamic configs. ConfigStore is what the rest of samsa reads and writes; FileConfigStore
// keeps one JSON file per kind in the first log dir, rewritten atomically (tmp, fsync, rename, fsync
// of the directory) like samsa-topics.json. A store kept in etcd for cluster mode implements the
// same interface.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from '../storage/durable-file.js';

export type Configs = Readonly<Record<string, string>>;

export interface ConfigStore {
  /** The resource's configs; empty when it has none. */
  get(name: string): Configs;
  /** Every resource that has configs. */
  entries(): IterableIterator<[string, Configs]>;
  /** Replaces the resource's configs (none: it is forgotten) and persists them before returning. */
  set(name: string, configs: Configs): void;
}

const NONE: Configs = Object.freeze({});

export class FileConfigStore implements ConfigStore {
  private readonly byName = new Map<string, Configs>();

  private constructor(private readonly file: string) {}

  /** Reads `file` (e.g. samsa-group-configs.json) from `dir`; a missing file is no configs. */
  static load(dir: string, file: string): FileConfigStore {
    const store = new FileConfigStore(path.join(dir, file));
    if (fs.existsSync(store.file)) {
      const stored = JSON.parse(fs.readFileSync(store.file, 'utf8')) as { resources: Record<string, Record<string, string>> };
      for (const [name, configs] of Object.entries(stored.resources)) store.byName.set(name, configs);
    }
    return store;
  }

  get(name: string): Configs { return this.byName.get(name) ?? NONE; }
  entries(): IterableIterator<[string, Configs]> { return this.byName.entries(); }

  set(name: string, configs: Configs): void {
    if (Object.keys(configs).length === 0) this.byName.delete(name);
    else this.byName.set(name, { ...configs });
    const body = JSON.stringify({ version: 1, resources: Object.fromEntries(this.byName) }, null, 1);
    writeFileDurably(this.file, body);
  }
}
