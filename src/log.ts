// The broker's logger: pino, JSON lines on stdout. One line per connection opened and closed,
// one per error with its request context; nothing per request at info level.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
