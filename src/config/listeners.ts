// Listener URLs (NAME://host:port, comma lists) and the checks Kafka makes on them: unique names
// and ports, a security protocol per name, advertised names drawn from the listeners. Samsa speaks
// PLAINTEXT only; controller listeners are dropped since samsa runs no KRaft controller.

import os from 'node:os';
import type { HttpListener, Listener } from './broker-config.js';
import { ConfigError } from './errors.js';
import { unprotectedListener } from './security.js';

const SECURITY_PROTOCOLS = new Set(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
const LISTENER_URL = /^([A-Za-z0-9_-]+):\/\/(?:\[([0-9A-Za-z:.%]*)\]|([^:/[\]]*)):(\d+)$/;

export function parseListenerList(key: string, value: string): Listener[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return items.map((item) => parseListener(key, item));
}

function parseListener(key: string, url: string): Listener {
  const m = LISTENER_URL.exec(url);
  if (!m) throw new ConfigError(key, `'${url}' is not a listener URL (NAME://host:port)`);
  const port = Number(m[4]);
  if (port > 65535) throw new ConfigError(key, `'${url}': port ${port} is out of range [0, 65535]`);
  return { name: m[1]!.toUpperCase(), host: m[2] ?? m[3]!, port };
}

const HTTP_LISTENER_URL = /^http:\/\/(?:\[([0-9A-Za-z:.%]*)\]|([^:/[\]]+)):(\d+)\/?$/;

/** metrics.listener: http://host:port (an IPv6 literal in brackets); null when the text is not one. */
export function parseHttpListener(url: string): HttpListener | null {
  const m = HTTP_LISTENER_URL.exec(url.trim());
  if (!m || Number(m[3]) > 65535) return null;
  const host = m[1] ?? m[2]!;
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: Number(m[3]) };
}

export function httpListenerProblem(url: string): string | null {
  return parseHttpListener(url) === null ? `'${url}' is not http://host:port (port 0-65535), nor empty (no HTTP listener)` : null;
}

/** listener.security.protocol.map: NAME:PROTOCOL,... */
export function parseProtocolMap(key: string, value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, protocol, extra] = entry.split(':').map((s) => s.trim().toUpperCase());
    if (!name || !protocol || extra !== undefined || !SECURITY_PROTOCOLS.has(protocol)) {
      throw new ConfigError(key, `'${entry}' is not NAME:PROTOCOL with a protocol of ${[...SECURITY_PROTOCOLS].join(', ')}`);
    }
    if (map.has(name)) throw new ConfigError(key, `listener name ${name} is mapped twice`);
    map.set(name, protocol);
  }
  return map;
}

export interface ListenerSettings {
  listeners: string;
  advertisedListeners: string | null;
  protocolMap: string | null;
  controllerListenerNames: string[];
}

export function resolveListeners(s: ListenerSettings, warnings: string[]): {
  listeners: Listener[];
  advertisedListeners: Listener[];
} {
  const protocols = s.protocolMap === null ? null : parseProtocolMap('listener.security.protocol.map', s.protocolMap);
  const controllers = new Set(s.controllerListenerNames.map((n) => n.toUpperCase()));
  const dropControllers = (key: string, list: Listener[]): Listener[] =>
    list.filter((l) => {
      if (!controllers.has(l.name)) return true;
      warnings.push(`${key}: controller listener ${l.name} ignored (samsa runs no KRaft controller)`);
      return false;
    });

  const listeners = dropControllers('listeners', parseListenerList('listeners', s.listeners));
  if (listeners.length === 0) throw new ConfigError('listeners', 'no broker listener is configured');
  checkUnique('listeners', listeners, true);
  for (const l of listeners) checkProtocol(l, protocols);

  let advertised = listeners;
  if (s.advertisedListeners !== null) {
    advertised = dropControllers('advertised.listeners', parseListenerList('advertised.listeners', s.advertisedListeners));
    checkUnique('advertised.listeners', advertised, false);
    const names = new Set(listeners.map((l) => l.name));
    for (const l of advertised) {
      if (!names.has(l.name)) throw new ConfigError('advertised.listeners', `listener ${l.name} is not in listeners`);
    }
  }
  const advertisedListeners = advertised.map((l) => advertise(l, s.advertisedListeners !== null));
  return { listeners, advertisedListeners };
}

function checkUnique(key: string, list: Listener[], ports: boolean): void {
  const names = new Set<string>();
  const seenPorts = new Set<number>();
  for (const l of list) {
    if (names.has(l.name)) throw new ConfigError(key, `listener name ${l.name} appears twice`);
    names.add(l.name);
    if (!ports || l.port === 0) continue; // port 0 asks the OS for a free port each time
    if (seenPorts.has(l.port)) throw new ConfigError(key, `port ${l.port} is used by two listeners`);
    seenPorts.add(l.port);
  }
}

function checkProtocol(l: Listener, protocols: Map<string, string> | null): void {
  let protocol: string | undefined;
  if (protocols === null) protocol = SECURITY_PROTOCOLS.has(l.name) ? l.name : 'PLAINTEXT';
  else protocol = protocols.get(l.name);
  if (protocol === undefined) {
    throw new ConfigError('listeners', `listener ${l.name} has no entry in listener.security.protocol.map`);
  }
  if (protocol !== 'PLAINTEXT') {
    throw new ConfigError('listeners', unprotectedListener(l.name, protocol));
  }
}

function advertise(l: Listener, explicit: boolean): Listener {
  if (l.host === '0.0.0.0' || l.host === '::') {
    const key = explicit ? 'advertised.listeners' : 'listeners';
    throw new ConfigError(key, `cannot advertise the meta-address ${l.host} for ${l.name}; set advertised.listeners to a routable host`);
  }
  return { ...l, host: l.host === '' ? os.hostname() : l.host };
}
