// Test helpers for the config room: load with overrides only, and assert a ConfigError's key.

import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/index.js';

export function withOverrides(props: Record<string, string>) {
  return loadConfig(Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`]));
}

export function throwsConfigError(fn: () => unknown, key: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.key, key);
    assert.match(e.message, new RegExp(key.replace(/[.]/g, '\\.')));
    return true;
  });
}
