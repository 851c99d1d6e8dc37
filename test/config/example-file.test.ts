// config/server.properties, the example file: every key in it (set or commented out) is one Samsa
// knows, every key Samsa reads is in it, the values set are the embedded defaults, and a real
// broker process starts with it and warns about nothing.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';
import { NOT_USED_BY_SAMSA } from '../../src/config/kafka-keys.js';
import { KEY_TABLE, KEYS } from '../../src/config/keys.js';
import { BrokerProcess } from '../helpers/broker.js';

const FILE = fileURLToPath(new URL('../../../config/server.properties', import.meta.url));
const text = fs.readFileSync(FILE, 'utf8');
/** Keys of the lines that set one, commented out (#key=value) or not. */
const keysInFile = [...text.matchAll(/^#?([a-z][a-z0-9._-]*)=/gm)].map((m) => m[1]!);

test('every key in config/server.properties is a key Samsa knows, and every key Samsa reads is in it', () => {
  const unknown = keysInFile.filter((k) => !KEYS.has(k) && !NOT_USED_BY_SAMSA.has(k));
  assert.deepEqual(unknown, []);
  const missing = KEY_TABLE.filter((d) => d.aliasOf === undefined && !keysInFile.includes(d.key)).map((d) => d.key);
  assert.deepEqual(missing, []);
});

test('loaded, it is the embedded defaults, with no warning', () => {
  const { config, warnings } = loadConfig(['--config', FILE]);
  assert.deepEqual(warnings, []);
  const { staticConfigs: _set, ...loaded } = config;
  const { staticConfigs: _none, ...defaults } = defaultConfig();
  assert.deepEqual(loaded, defaults);
});

test('a broker process starts with it and warns about no key', async () => {
  const broker = await BrokerProcess.start({ configFile: FILE });
  try {
    assert.deepEqual(broker.output.filter((l) => /config key/.test(l)), []);
  } finally {
    await broker.dispose();
  }
});
