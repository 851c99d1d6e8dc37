// Fields that more than one key decides: node.id/broker.id is an alias (resolve.ts); here the
// log directories, the time keys with Kafka's precedence (ms over minutes over hours), the
// listeners and the metrics listener's URL; and whether the network threads fit on the shard workers.

import path from 'node:path';
import type { BrokerConfig } from './broker-config.js';
import { parseHttpListener, resolveListeners } from './listeners.js';
import type { Settings } from './settings.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export function deriveFields(config: BrokerConfig, s: Settings, warnings: string[]): void {
  const dirs = s.get<string[] | null>('log.dirs') ?? [s.get<string>('log.dir')];
  config.logDirs = dirs.map((d) => path.resolve(process.cwd(), d));

  config.logRollMs = s.get<number | null>('log.roll.ms') ?? s.get<number>('log.roll.hours') * HOUR_MS;

  const minutes = s.get<number | null>('log.retention.minutes');
  const retention = s.get<number | null>('log.retention.ms')
    ?? (minutes !== null ? minutes * MINUTE_MS : s.get<number>('log.retention.hours') * HOUR_MS);
  config.logRetentionMs = retention < 0 ? -1 : retention; // any negative value means unlimited

  config.numNetworkThreads = s.get<number | null>('num.network.threads') ?? config.workerThreads;
  // Kafka's sample server.properties asks for 3, which a small machine's shard workers may not have.
  if (config.networkThreadsColocated && config.numNetworkThreads > config.workerThreads) {
    warnings.push(`num.network.threads=${config.numNetworkThreads}: the network threads are the shard workers (samsa.network.threads.colocated=true) `
      + `and there are ${config.workerThreads} (samsa.worker.threads): ${config.workerThreads} network thread(s)`);
    config.numNetworkThreads = config.workerThreads;
  }

  const metrics = s.get<string>('metrics.listener');
  config.metricsListener = metrics === '' ? null : parseHttpListener(metrics);

  Object.assign(config, resolveListeners({
    listeners: s.get<string>('listeners'),
    advertisedListeners: s.get<string | null>('advertised.listeners'),
    protocolMap: s.get<string | null>('listener.security.protocol.map'),
    controllerListenerNames: s.get<string[]>('controller.listener.names'),
  }, warnings));
}
