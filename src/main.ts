#!/usr/bin/env node
// Entry point: `samsa [--config FILE] [--override key=value ...]`, as kafka-server-start.sh
// takes them. Reads the configuration, starts the broker, stops it cleanly on SIGINT/SIGTERM, and
// at once (SIGKILL of itself) on a second one (not a copy of the first that npm forwards).
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
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

  // Signals are taken from before start-up: one that came between the start-up line and the
  // handlers would otherwise kill the process outright (Node's default), as a test saw.
  let broker: Broker | null = null;
  let first: { signal: string; at: number } | null = null;
  const shutDown = (b: Broker, signal: string): void => {
    log.info({ signal }, 'shutting down');
    b.stop().then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  const stop = (signal: string): void => {
    if (first !== null) {
      // `npm start` forwards the signal that its whole process group got too (Ctrl-C, kill -- -PGID):
      // the same signal straight after the first is that copy, not a second request.
      if (signal === first.signal && performance.now() - first.at < SIGNAL_COPY_MS) {
        log.info({ signal }, 'the same signal again at once (a copy forwarded by npm): still stopping cleanly');
        return;
      }
      // Whoever sends a second signal does not want to wait: what is not flushed, recovery checks.
      // Not process.exit(): it joins the worker threads, so one stuck in a system call (an fsync on
      // a dead disk: what makes a stop hang) would hold it, and it can crash with workers running.
      // This line is written synchronously: what the logger still holds is lost with the process.
      createLogger(config.logLevel, config.logFormat, true).warn({ signal }, 'second signal while shutting down: exiting at once (SIGKILL)');
      process.kill(process.pid, 'SIGKILL');
    }
    first = { signal, at: performance.now() };
    if (broker !== null) shutDown(broker, signal);
    else log.info({ signal }, 'signal during start-up: stopping as soon as the broker has started (a second signal stops at once)');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  for (const w of warnings) log.warn(w);

  try {
    broker = await Broker.start(config, log);
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
  // A signal that came during start-up (TypeScript cannot see the handler set `first`).
  const early = first as { signal: string } | null;
  if (early !== null) shutDown(broker, early.signal);
}

void main();
