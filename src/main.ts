#!/usr/bin/env node
// Entry point: `samsa [--config FILE] [--override key=value ...]`, as kafka-server-start.sh
// takes them. Reads the configuration, starts the broker, stops it cleanly on SIGINT/SIGTERM, and
// at once (exit code 1) on a second one (not a copy of the first that npm forwards).
import { ConfigError, loadConfig } from './config/index.js';
import { Broker } from './broker.js';
import { createLogger } from './log.js';

/** A repeat of the first signal within this long is a copy of it (see stop below). */
const SIGNAL_COPY_MS = 1000;

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`samsa: configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { config, warnings } = loaded;
  const log = createLogger(config.logLevel, config.logFormat);
  for (const w of warnings) log.warn(w);

  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  let broker: Broker;
  try {
    broker = await Broker.start(config, log);
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
  let first: { signal: string; at: number } | null = null;
  const stop = (signal: string): void => {
    if (first !== null) {
      // `npm start` forwards the signal that its whole process group got too (Ctrl-C, kill -- -PGID):
      // the same signal straight after the first is that copy, not a second request.
      if (signal === first.signal && performance.now() - first.at < SIGNAL_COPY_MS) {
        log.info({ signal }, 'the same signal again at once (a copy forwarded by npm): still stopping cleanly');
        return;
      }
      // Whoever sends a second signal does not want to wait: what is not flushed, recovery checks.
      log.warn({ signal }, 'second signal while shutting down: exiting at once');
      process.exit(1);
    }
    first = { signal, at: performance.now() };
    log.info({ signal }, 'shutting down');
    broker.stop().then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
