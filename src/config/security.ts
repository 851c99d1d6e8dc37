// Settings that ask for protection Samsa does not give yet: authorization, TLS, SASL, quotas and
// connection limits, topic policies. Kafka would enforce them; Samsa would start open to everyone,
// so start-up refuses them with a ConfigError naming the key. Such a key passes only empty or at
// Kafka's default, which asks for nothing (security.inter.broker.protocol=PLAINTEXT). Listeners of
// a protocol other than PLAINTEXT are refused in listeners.ts with the same words.

import { ConfigError } from './errors.js';

interface Protection {
  /** Whether the rule covers this key. */
  covers(key: string): boolean;
  /** What the setting asks for, for the message. */
  asks: string;
  /** Values that ask for nothing (Kafka's defaults, allow.everyone.if.no.acl.found=true), besides empty. */
  passes?: Readonly<Record<string, string>>;
}

const INT_MAX = '2147483647';
const LONG_MAX = '9223372036854775807';
const named = (...keys: string[]) => (key: string): boolean => keys.includes(key);
const prefixed = (...prefixes: string[]) => (key: string): boolean => prefixes.some((p) => key.startsWith(p));

const PROTECTIONS: readonly Protection[] = [
  {
    covers: named('authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found', 'principal.builder.class'),
    asks: 'authorization (ACLs)',
    passes: {
      'principal.builder.class': 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
      'allow.everyone.if.no.acl.found': 'true',
    },
  },
  {
    covers: (key) => key.startsWith('ssl.') || /^listener\.name\.[^.]+\.ssl\./.test(key),
    asks: 'TLS',
    passes: {
      'ssl.client.auth': 'none', 'ssl.protocol': 'TLSv1.3', 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
      'ssl.keystore.type': 'JKS', 'ssl.truststore.type': 'JKS', 'ssl.keymanager.algorithm': 'SunX509',
      'ssl.trustmanager.algorithm': 'PKIX', 'ssl.endpoint.identification.algorithm': 'https',
      'ssl.principal.mapping.rules': 'DEFAULT',
    },
  },
  {
    covers: (key) => key.startsWith('sasl.') || /^listener\.name\.[^.]+\.(?:[^.]+\.)?sasl\./.test(key)
      || key.startsWith('delegation.token.') || key === 'connections.max.reauth.ms',
    asks: 'SASL authentication',
    passes: {
      'sasl.enabled.mechanisms': 'GSSAPI', 'sasl.mechanism.inter.broker.protocol': 'GSSAPI',
      'sasl.kerberos.service.name': '', 'sasl.kerberos.kinit.cmd': '/usr/bin/kinit',
      'sasl.kerberos.principal.to.local.rules': 'DEFAULT', 'connections.max.reauth.ms': '0',
      'delegation.token.max.lifetime.ms': '604800000', 'delegation.token.expiry.time.ms': '86400000',
      'delegation.token.expiry.check.interval.ms': '3600000',
    },
  },
  {
    covers: named('security.inter.broker.protocol'),
    asks: 'a secured protocol between brokers',
    passes: { 'security.inter.broker.protocol': 'PLAINTEXT' },
  },
  {
    covers: (key) => prefixed('quota.', 'client.quota.', 'replication.quota.')(key)
      || named('max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides', 'max.connection.creation.rate')(key)
      || /^listener\.name\.[^.]+\.max\.connection/.test(key),
    asks: 'quotas or connection limits',
    passes: {
      'quota.window.num': '11', 'quota.window.size.seconds': '1', 'quota.producer.default': LONG_MAX,
      'quota.consumer.default': LONG_MAX, 'replication.quota.window.num': '11',
      'replication.quota.window.size.seconds': '1', 'max.connections': INT_MAX,
      'max.connections.per.ip': INT_MAX, 'max.connection.creation.rate': INT_MAX,
    },
  },
  {
    covers: named('create.topic.policy.class.name', 'alter.config.policy.class.name', 'security.providers'),
    asks: 'a policy on what clients may do',
  },
  {
    covers: named('delete.topic.enable'),
    asks: 'topics that cannot be deleted',
    passes: { 'delete.topic.enable': 'true' },
  },
];

/** Throws a ConfigError for the first key that asks for protection Samsa does not give. */
export function refuseUnprotectedSettings(raw: ReadonlyMap<string, string>): void {
  for (const [key, value] of raw) {
    const rule = PROTECTIONS.find((p) => p.covers(key));
    if (rule === undefined || asksForNothing(rule, key, value)) continue;
    throw new ConfigError(key, `${key}=${value} asks for ${rule.asks}, which Samsa does not implement yet; `
      + 'it would start with no protection at all, open to every client, so it refuses to start. '
      + 'Remove the setting (or set it to Kafka\'s default) to run an open broker.');
  }
}

/** A message for a listener whose protocol asks for TLS or SASL. */
export function unprotectedListener(name: string, protocol: string): string {
  return `listener ${name} uses ${protocol}, which Samsa does not implement yet (it speaks only PLAINTEXT); `
    + 'it would start with no protection at all, open to every client, so it refuses to start.';
}

function asksForNothing(rule: Protection, key: string, value: string): boolean {
  const v = value.trim();
  const passes = rule.passes?.[key];
  return v === '' || (passes !== undefined && normalize(passes) === normalize(v));
}

const normalize = (s: string): string => s.split(',').map((p) => p.trim().toLowerCase()).join(',');
