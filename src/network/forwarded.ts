// The requests network threads forward to the main thread: each runs through the main thread's
// dispatcher as if it had come on a connection here, on behalf of a stand-in for the client's
// connection (its id, address and listener, its log lines, reject() and close hooks), and its reply
// goes back as bytes. A reject() answers "close" with its reason: the network thread closes the
// real connection after the replies before it, and logs why there. A stand-in lives from its
// connection's first forwarded request until the network thread says the connection closed.
import type { Logger } from '../log.js';
import { CloseHooks } from '../server/close-hooks.js';
import { CLOSE, type Reply } from '../server/connection.js';
import type { ClientConnection } from '../server/context.js';
import type { Dispatcher } from '../server/dispatcher.js';
import type { FrameMemory } from '../server/frame-pool.js';
import type { HandlerMemory } from '../server/request-memory.js';
import type { ForwardedFrom, ForwardedReply, ToNetwork } from './messages.js';

const NOTHING = (): void => {};

class ForwardedConnection implements ClientConnection {
  closed = false;
  readonly log: Logger;
  readonly socket: { readonly remoteAddress: string | undefined };
  /** Why a request of it asked to close the connection (the first reason). */
  closeReason: { reason: string; extra: Record<string, unknown> } | null = null;
  private readonly hooks = new CloseHooks();

  constructor(readonly thread: number, from: ForwardedFrom, log: Logger) {
    this.listenerName = from.listenerName;
    this.socket = { remoteAddress: from.remoteAddress };
    this.log = log.child({ conn: from.id, remote: from.remote, listener: from.listenerName, networkThread: thread });
  }

  readonly listenerName: string;

  reject(reason: string, extra: Record<string, unknown> = {}): typeof CLOSE {
    this.closeReason ??= { reason, extra };
    return CLOSE;
  }

  onClose(hook?: () => void): () => void {
    if (hook !== undefined) return this.hooks.add(hook);
    if (!this.closed) {
      this.closed = true;
      this.hooks.fire();
    }
    return NOTHING;
  }
}

/** A forwarded request's memory: an ordinary buffer, nothing shared, nothing in the budget (the network thread holds that). */
function memoryOf(frame: Uint8Array): HandlerMemory & { readonly frame: FrameMemory } {
  return {
    frame: { sab: null, buf: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), slot: -1 },
    park: NOTHING,
    // Fetch is served by the network threads themselves; a read here would come back in a transferred buffer.
    records: (_shard, result) => (result.records === null ? null : Buffer.from(result.records.buffer, result.records.byteOffset, result.records.byteLength)),
    dropReads: NOTHING,
  };
}

/** Extra fields of a log line that can cross to another thread (structured clone), or their text. */
function cloneable(extra: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(extra);
  } catch {
    return Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)]));
  }
}

export class ForwardedConnections {
  private readonly connections = new Map<number, ForwardedConnection>();

  constructor(
    private readonly dispatcher: Pick<Dispatcher, 'dispatch'>,
    private readonly log: Logger,
    /** Resolves once every network thread has the change of topics or configs numbered so. */
    private readonly whenSynced: (version: number) => Promise<void>,
    private readonly version: () => number,
  ) {}

  /** Serves one forwarded request; `send` takes its reply to the network thread. */
  request(thread: number, m: { id: number; from: ForwardedFrom; frame: Uint8Array }, send: (message: ToNetwork, transfer?: ArrayBuffer[]) => void): void {
    let conn = this.connections.get(m.from.id);
    if (conn === undefined) this.connections.set(m.from.id, conn = new ForwardedConnection(thread, m.from, this.log));
    const c = conn;
    const answer = async (reply: Reply): Promise<void> => {
      // What the handler changed (a topic created) is on every network thread before the client hears of it.
      await this.whenSynced(this.version());
      let out: ForwardedReply;
      let transfer: ArrayBuffer[] | undefined;
      if (reply === CLOSE) {
        const why = c.closeReason ?? { reason: 'the request could not be handled', extra: {} };
        out = { close: { reason: why.reason, extra: cloneable(why.extra) } };
      } else if (reply === null) {
        out = { none: true };
      } else {
        let size = 0;
        for (const chunk of reply) size += chunk.length;
        // One buffer of its own, moved to the network thread (chunks may be views of larger ones).
        const bytes = Buffer.allocUnsafeSlow(size);
        let at = 0;
        for (const chunk of reply) at += chunk.copy(bytes, at);
        out = { bytes };
        transfer = [bytes.buffer as ArrayBuffer];
      }
      send({ t: 'reply', id: m.id, reply: out }, transfer);
    };
    this.dispatcher.dispatch(c, memoryOf(m.frame)).then(answer, (err: unknown) => {
      c.log.error({ err }, 'forwarded request failed; closing connection');
      return answer(c.reject('the request could not be handled'));
    }).catch((err: unknown) => this.log.error({ err }, 'could not answer a forwarded request'));
  }

  /** The connection closed on its network thread: what waits on it is released. */
  closed(id: number): void {
    const c = this.connections.get(id);
    if (c === undefined) return;
    this.connections.delete(id);
    c.onClose();
  }

  /** A network thread is gone, and with it every connection it served. */
  threadGone(thread: number): void {
    for (const [id, c] of [...this.connections]) if (c.thread === thread) this.closed(id);
  }
}
