// The broker's logger: pino, JSON lines on stdout (log.format=json, the default), or pino-pretty's
// human-readable lines, one line per entry (log.format=pretty); the level is log.level. One line
// per connection opened and closed, one per error with its request context; nothing per request
// at info level.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** `sync`: JSON lines written before the call returns (pino writes them asynchronously by default). */
export function createLogger(level: string, format = 'json', sync = false): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format !== 'pretty') return sync ? pino(options, pino.destination({ dest: 1, sync: true })) : pino(options);
  // In-process and synchronous, so that a line is out before the process exits.
  return pino(options, pretty({ sync: true, singleLine: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:isoDateTime' }));
}
