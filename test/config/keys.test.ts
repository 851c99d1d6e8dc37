// Key table: defaults, value types and ranges, aliases and time-key precedence, warnings.

import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../src/config/index.js';
import { throwsConfigError, withOverrides } from './helpers.js';

const config = (props: Record<string, string>) => withOverrides(props).config;

test('defaults are Kafka defaults (and samsa choices)', () => {
  const c = defaultConfig();
  assert.equal(c.nodeId, 1);
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
  assert.deepEqual(c.advertisedListeners, c.listeners);
  assert.deepEqual(c.logDirs, [path.resolve(process.cwd(), 'data')]);
  assert.equal(c.numPartitions, 1);
  assert.equal(c.defaultReplicationFactor, 1);
  assert.equal(c.autoCreateTopicsEnable, true);
  assert.equal(c.messageMaxBytes, 1048588);
  assert.equal(c.socketRequestMaxBytes, 104857600);
  assert.equal(c.queuedMaxRequests, 500);
  assert.equal(c.logSegmentBytes, 1073741824);
  assert.equal(c.logRollMs, 168 * 3600000);
  assert.equal(c.logRetentionMs, 168 * 3600000);
  assert.equal(c.logRetentionBytes, -1);
  assert.equal(c.logRetentionCheckIntervalMs, 300000);
  assert.equal(c.logFlushIntervalMessages, Number.MAX_SAFE_INTEGER);
  assert.equal(c.logIndexIntervalBytes, 4096);
  assert.equal(c.workerThreads, Math.max(1, os.availableParallelism() - 1));
  assert.equal(c.numNetworkThreads, c.workerThreads);
  assert.equal(c.networkThreadsColocated, true);
  assert.equal(c.clusterId, null);
  assert.equal(c.logLevel, 'info');
});

test('typed values land in their fields', () => {
  const c = config({
    'node.id': '7', 'num.partitions': '3', 'auto.create.topics.enable': 'FALSE', 'log.level': 'debug',
    'cluster.id': 'MkU3OEVBNTcwNTJENDM2Qg', 'log.dirs': 'a, /tmp/b', 'samsa.worker.threads': '4',
    'log.retention.bytes': '1073741824',
  });
  assert.equal(c.nodeId, 7);
  assert.equal(c.numPartitions, 3);
  assert.equal(c.autoCreateTopicsEnable, false);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.clusterId, 'MkU3OEVBNTcwNTJENDM2Qg');
  assert.deepEqual(c.logDirs, [path.resolve('a'), '/tmp/b']);
  assert.equal(c.workerThreads, 4);
  assert.equal(c.logRetentionBytes, 1073741824);
});

test('log.dirs wins over log.dir', () => {
  assert.deepEqual(config({ 'log.dir': '/x' }).logDirs, ['/x']);
  assert.deepEqual(config({ 'log.dir': '/x', 'log.dirs': '/y,/z' }).logDirs, ['/y', '/z']);
});

test('broker.id is an alias of node.id; conflicting values are an error', () => {
  assert.equal(config({ 'broker.id': '5' }).nodeId, 5);
  assert.equal(config({ 'broker.id': '5', 'node.id': '5' }).nodeId, 5);
  throwsConfigError(() => config({ 'node.id': '5', 'broker.id': '6' }), 'broker.id');
  throwsConfigError(() => config({ 'broker.id': '6', 'node.id': '5' }), 'node.id');
});

test('retention: ms beats minutes beats hours; negative means unlimited', () => {
  assert.equal(config({ 'log.retention.hours': '1' }).logRetentionMs, 3600000);
  assert.equal(config({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionMs, 120000);
  assert.equal(config({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5' }).logRetentionMs, 5);
  assert.equal(config({ 'log.retention.ms': '-1' }).logRetentionMs, -1);
  assert.equal(config({ 'log.retention.hours': '-5' }).logRetentionMs, -1);
});

test('roll: ms beats hours', () => {
  assert.equal(config({ 'log.roll.hours': '2' }).logRollMs, 7200000);
  assert.equal(config({ 'log.roll.hours': '2', 'log.roll.ms': '1000' }).logRollMs, 1000);
});

test('long values beyond safe integers clamp; Long.MAX_VALUE means never', () => {
  assert.equal(config({ 'log.flush.interval.messages': '9223372036854775807' }).logFlushIntervalMessages, Number.MAX_SAFE_INTEGER);
  assert.equal(config({ 'log.flush.interval.messages': '10000' }).logFlushIntervalMessages, 10000);
  throwsConfigError(() => config({ 'log.flush.interval.messages': '9223372036854775808' }), 'log.flush.interval.messages');
});

test('bad values are ConfigErrors naming the key', () => {
  const bad: Array<[string, string]> = [
    ['num.partitions', '12abc'],
    ['num.partitions', '1.5'],
    ['num.partitions', ''],
    ['num.partitions', '0'],
    ['message.max.bytes', '2147483648'],
    ['log.segment.bytes', '1048575'],
    ['log.roll.hours', '0'],
    ['log.roll.ms', '0'],
    ['log.retention.ms', 'forever'],
    ['log.retention.check.interval.ms', '0'],
    ['log.flush.interval.messages', '0'],
    ['auto.create.topics.enable', 'yes'],
    ['node.id', '-1'],
    ['queued.max.requests', '0'],
    ['socket.request.max.bytes', '0'],
    ['samsa.worker.threads', '0'],
    ['num.network.threads', '-1'],
    ['log.level', 'verbose'],
    ['log.dirs', ''],
    ['cluster.id', 'has space'],
    ['log.format', 'xml'],
    ['metrics.listener', '127.0.0.1:9464'],
    ['metrics.listener', 'https://127.0.0.1:9464'],
    ['metrics.listener', 'http://127.0.0.1:65536'],
    ['metrics.listener', 'http://:9464'],
    ['samsa.metrics.partition.series', 'no'],
    ['samsa.recovery.progress.interval.ms', '-1'],
  ];
  for (const [key, value] of bad) throwsConfigError(() => config({ [key]: value }), key);
});

test('num.network.threads: on the shard workers, at most as many as there are (cut, with a warning); on threads of their own, as asked', () => {
  const cut = withOverrides({ 'num.network.threads': '3', 'samsa.worker.threads': '2' });
  assert.equal(cut.config.numNetworkThreads, 2);
  assert.equal(cut.config.networkThreadsColocated, true);
  assert.ok(cut.warnings.some((w) => /num\.network\.threads=3.*2 network thread/.test(w)), cut.warnings.join('\n'));
  const own = withOverrides({ 'num.network.threads': '3', 'samsa.worker.threads': '2', 'samsa.network.threads.colocated': 'false' });
  assert.equal(own.config.numNetworkThreads, 3);
  assert.equal(own.config.networkThreadsColocated, false);
});

test('observability keys: metrics.listener, samsa.metrics.partition.series, log.format, samsa.recovery.progress.interval.ms', () => {
  const c = defaultConfig();
  assert.deepEqual(c.metricsListener, { host: '127.0.0.1', port: 9464 });
  assert.equal(c.metricsPartitionSeries, true);
  assert.equal(c.logFormat, 'json');
  assert.equal(c.recoveryProgressIntervalMs, 10000);
  assert.deepEqual(config({ 'metrics.listener': 'http://0.0.0.0:0' }).metricsListener, { host: '0.0.0.0', port: 0 });
  assert.deepEqual(config({ 'metrics.listener': 'http://[::1]:9100/' }).metricsListener, { host: '::1', port: 9100 });
  assert.deepEqual(config({ 'metrics.listener': 'http://localhost:9464' }).metricsListener, { host: '127.0.0.1', port: 9464 });
  assert.equal(config({ 'metrics.listener': '' }).metricsListener, null);
  assert.equal(config({ 'samsa.metrics.partition.series': 'false' }).metricsPartitionSeries, false);
  assert.equal(config({ 'log.format': 'pretty' }).logFormat, 'pretty');
});

test('whole numbers may carry a sign and surrounding whitespace', () => {
  assert.equal(config({ 'num.partitions': ' +4 ' }).numPartitions, 4);
  assert.equal(config({ 'log.segment.bytes': '1048576' }).logSegmentBytes, 1048576);
});

test('unknown keys warn; Kafka keys samsa does not use warn that they are not used', () => {
  const { warnings } = withOverrides({ 'foo.bar': 'x', 'num.io.threads': '8', 'zookeeper.connect': 'zk:2181' });
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /unknown config key 'foo\.bar' ignored/);
  assert.match(warnings[1]!, /'num\.io\.threads'.*not used by samsa/);
  assert.match(warnings[2]!, /'zookeeper\.connect'.*not used by samsa/);
  assert.deepEqual(withOverrides({}).warnings, []);
});
