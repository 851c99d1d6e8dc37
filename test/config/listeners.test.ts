// Listener URLs, protocol checks and advertised listeners.

import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { throwsConfigError, withOverrides } from './helpers.js';

const config = (props: Record<string, string>) => withOverrides(props).config;

test('host, IPv6 literal, all interfaces, comma lists', () => {
  const c = config({
    listeners: 'PLAINTEXT://127.0.0.1:9092, internal://[::1]:9093,EXTERNAL://:9094',
    'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092,INTERNAL://[::1]:9093,EXTERNAL://broker.example:9094',
  });
  assert.deepEqual(c.listeners, [
    { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    { name: 'INTERNAL', host: '::1', port: 9093 },
    { name: 'EXTERNAL', host: '', port: 9094 },
  ]);
  assert.equal(c.advertisedListeners[2]!.host, 'broker.example');
});

test('advertised listeners default to listeners, all-interfaces host becomes os.hostname()', () => {
  const c = config({ listeners: 'PLAINTEXT://:19092' });
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '', port: 19092 }]);
  assert.deepEqual(c.advertisedListeners, [{ name: 'PLAINTEXT', host: os.hostname(), port: 19092 }]);
});

test('port 0 (ephemeral) is allowed, even twice', () => {
  const c = config({ listeners: 'A://localhost:0,B://localhost:0' });
  assert.deepEqual(c.listeners.map((l) => l.port), [0, 0]);
});

test('malformed URLs, ports out of range, duplicates are errors', () => {
  for (const listeners of [
    'localhost:9092', 'PLAINTEXT://localhost', 'PLAINTEXT://localhost:port', 'PLAINTEXT://localhost:65536',
    'PLAINTEXT://a:9092,PLAINTEXT://b:9093', 'A://a:9092,B://b:9092', '', 'PLAINTEXT://[::1:9092',
  ]) {
    throwsConfigError(() => config({ listeners }), 'listeners');
  }
});

test('only PLAINTEXT is spoken', () => {
  for (const listeners of ['SSL://:9093', 'SASL_PLAINTEXT://:9093', 'SASL_SSL://:9093']) {
    assert.throws(() => config({ listeners }), /only PLAINTEXT/);
  }
  const map = 'listener.security.protocol.map';
  assert.equal(config({ listeners: 'CLIENT://:9092', [map]: 'CLIENT:PLAINTEXT' }).listeners[0]!.name, 'CLIENT');
  throwsConfigError(() => config({ listeners: 'CLIENT://:9092', [map]: 'CLIENT:SSL' }), 'listeners');
  throwsConfigError(() => config({ listeners: 'CLIENT://:9092', [map]: 'OTHER:PLAINTEXT' }), 'listeners');
  throwsConfigError(() => config({ [map]: 'CLIENT:TLS' }), map);
});

test("Kafka's sample KRaft listeners: the controller listener is dropped with a warning", () => {
  const { config: c, warnings } = withOverrides({
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
  });
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '', port: 9092 }]);
  assert.deepEqual(c.advertisedListeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }]);
  assert.ok(warnings.some((w) => /CONTROLLER/.test(w)));
});

test('advertised listeners must name real listeners and a routable host', () => {
  throwsConfigError(() => config({ 'advertised.listeners': 'OTHER://x:9092' }), 'advertised.listeners');
  throwsConfigError(() => config({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }), 'advertised.listeners');
  throwsConfigError(() => config({ listeners: 'PLAINTEXT://0.0.0.0:9092' }), 'listeners');
  const ok = config({ listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://broker:9092' });
  assert.equal(ok.listeners[0]!.host, '0.0.0.0');
});
