// loadConfig: the command line, the config file, overrides, and their precedence.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { throwsConfigError } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samsa-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeProps(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const SAMPLE = `# Kafka-style server.properties
process.roles=broker,controller
node.id=3
listeners=PLAINTEXT://:9092,\\
          CONTROLLER://:9093
controller.listener.names=CONTROLLER
log.dirs=${dir}/data-a, ${dir}/data-b
! retention
log.retention.hours : 24
num.partitions 2
log.level=warn
`;

test('a config file given with --config or as the first argument', () => {
  const file = writeProps('server.properties', SAMPLE);
  for (const argv of [['--config', file], [file], [`--config=${file}`]]) {
    const { config, warnings } = loadConfig(argv);
    assert.equal(config.nodeId, 3);
    assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '', port: 9092 }]);
    assert.deepEqual(config.logDirs, [`${dir}/data-a`, `${dir}/data-b`]);
    assert.equal(config.logRetentionMs, 24 * 3600000);
    assert.equal(config.numPartitions, 2);
    assert.equal(config.logLevel, 'warn');
    assert.ok(warnings.some((w) => /'process\.roles'.*not used by samsa/.test(w)));
  }
});

test('overrides beat the file, later overrides beat earlier ones', () => {
  const file = writeProps('o.properties', 'num.partitions=2\nlog.retention.hours=24\n');
  const { config } = loadConfig([
    file, '--override', 'num.partitions=5', '--override', 'num.partitions=6',
    '--override=log.retention.ms=1000', '--override', 'log.level=error',
  ]);
  assert.equal(config.numPartitions, 6);
  assert.equal(config.logRetentionMs, 1000);
  assert.equal(config.logLevel, 'error');
});

test('override values may contain =', () => {
  const { config } = loadConfig(['--override', 'cluster.id=abc', '--override', 'listeners=PLAINTEXT://:0']);
  assert.equal(config.clusterId, 'abc');
  assert.equal(config.listeners[0]!.port, 0);
  assert.throws(() => loadConfig(['--override', 'log.level=info=x']), /log\.level/);
});

test('no arguments gives the defaults', () => {
  assert.equal(loadConfig([]).config.numPartitions, 1);
});

test('a missing config file is a ConfigError', () => {
  throwsConfigError(() => loadConfig([path.join(dir, 'nope.properties')]), '--config');
  throwsConfigError(() => loadConfig(['--config', path.join(dir, 'nope.properties')]), '--config');
});

test('command-line mistakes are ConfigErrors', () => {
  throwsConfigError(() => loadConfig(['--verbose']), '--verbose');
  throwsConfigError(() => loadConfig(['--config']), '--config');
  throwsConfigError(() => loadConfig(['--override']), '--override');
  throwsConfigError(() => loadConfig(['--override', 'novalue']), '--override');
  throwsConfigError(() => loadConfig(['a.properties', 'b.properties']), 'b.properties');
});

test('a bad value in the file is a ConfigError naming the key', () => {
  const file = writeProps('bad.properties', 'log.segment.bytes=1k\n');
  throwsConfigError(() => loadConfig([file]), 'log.segment.bytes');
});
