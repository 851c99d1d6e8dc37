// Settings that ask for protection Samsa does not give yet (authorization, TLS, SASL, quotas,
// connection limits, policies) stop a real broker process at start-up with a message that names
// the key and says the broker would be open; the same keys at Kafka's defaults start as before.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { throwsConfigError, withOverrides } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-security-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs the broker with these settings; answers its exit code and stderr (it must not start). */
async function startRefused(settings: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const all = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dataDir, 'metrics.listener': '', ...settings };
  const args = [MAIN, ...Object.entries(all).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const { code, stdout, stderr } = await runCommand(process.execPath, args, { timeoutMs: 30_000 });
  assert.doesNotMatch(stdout, /samsa started/);
  return { code, stderr };
}

const REFUSED: [string, Record<string, string>][] = [
  ['authorizer.class.name', { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' }],
  ['super.users', { 'super.users': 'User:admin' }],
  ['allow.everyone.if.no.acl.found', { 'allow.everyone.if.no.acl.found': 'false' }],
  ['ssl.keystore.location', { 'ssl.keystore.location': '/etc/kafka/broker.keystore.jks' }],
  ['ssl.truststore.location', { 'ssl.truststore.location': '/etc/kafka/truststore.jks' }],
  ['ssl.client.auth', { 'ssl.client.auth': 'required' }],
  ['sasl.enabled.mechanisms', { 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512' }],
  ['listener.name.client.plain.sasl.jaas.config', { 'listener.name.client.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required;' }],
  ['security.inter.broker.protocol', { 'security.inter.broker.protocol': 'SASL_SSL' }],
  ['connections.max.reauth.ms', { 'connections.max.reauth.ms': '3600000' }],
  ['principal.builder.class', { 'principal.builder.class': 'com.example.PrincipalBuilder' }],
  ['quota.producer.default', { 'quota.producer.default': '1048576' }],
  ['client.quota.callback.class', { 'client.quota.callback.class': 'com.example.Quotas' }],
  ['max.connections.per.ip', { 'max.connections.per.ip': '10' }],
  ['create.topic.policy.class.name', { 'create.topic.policy.class.name': 'com.example.Policy' }],
  ['delete.topic.enable', { 'delete.topic.enable': 'false' }],
];

for (const [key, settings] of REFUSED) {
  test(`${key} stops start-up: Samsa does not implement it yet and would be open`, async () => {
    const { code, stderr } = await startRefused(settings);
    assert.equal(code, 1, stderr);
    assert.ok(stderr.includes(`configuration error: ${key}:`), stderr);
    assert.match(stderr, /does not implement .*yet/);
    assert.match(stderr, /open to every client, so it refuses to start/);
  });
}

test('a listener of SSL, SASL_PLAINTEXT or SASL_SSL stops start-up, by name or through the protocol map', async () => {
  const cases: Record<string, string>[] = [
    { listeners: 'SSL://127.0.0.1:0' },
    { listeners: 'SASL_PLAINTEXT://127.0.0.1:0' },
    { listeners: 'CLIENT://127.0.0.1:0', 'listener.security.protocol.map': 'CLIENT:SASL_SSL' },
  ];
  for (const settings of cases) {
    const { code, stderr } = await startRefused(settings);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /configuration error: listeners: listener \w+ uses (SSL|SASL_PLAINTEXT|SASL_SSL), which Samsa does not implement yet/);
    assert.match(stderr, /open to every client/);
  }
});

test('every refused key also fails loadConfig with a ConfigError naming it', () => {
  for (const [key, settings] of REFUSED) throwsConfigError(() => withOverrides(settings), key);
});

test('the same keys empty or at Kafka\'s defaults ask for nothing and load with a warning at most', () => {
  const { warnings } = withOverrides({
    'allow.everyone.if.no.acl.found': 'true', 'authorizer.class.name': '', 'super.users': '',
    'ssl.client.auth': 'none', 'ssl.keystore.type': 'JKS', 'ssl.enabled.protocols': 'TLSv1.2, TLSv1.3',
    'sasl.enabled.mechanisms': 'GSSAPI', 'security.inter.broker.protocol': 'PLAINTEXT',
    'connections.max.reauth.ms': '0', 'quota.window.num': '11', 'max.connections': '2147483647',
    'delete.topic.enable': 'true',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
  });
  assert.ok(warnings.some((w) => /'security\.inter\.broker\.protocol'.*not used by samsa/.test(w)));
});

test('a broker process with those defaults starts', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'ssl.client.auth': 'none', 'security.inter.broker.protocol': 'PLAINTEXT', 'allow.everyone.if.no.acl.found': 'true' } });
  await broker.dispose();
});
