// The typed values of the keys a configuration set (aliases stored under their target key), each
// read back as set or as its default from the key table: what resolve.ts fills in from the raw
// strings and derive.ts reads the fields that several keys decide from.

import { KEYS } from './keys.js';

/** Typed values of the keys that were set (aliases stored under their target key). */
export class Settings {
  private readonly values = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  isSet(key: string): boolean {
    return this.values.has(key);
  }

  /** The value set for `key`, else its default from the key table. */
  get<T>(key: string): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const def = KEYS.get(key);
    if (!def) throw new Error(`config key '${key}' is not in the key table`);
    return def.defaultValue() as T;
  }
}
