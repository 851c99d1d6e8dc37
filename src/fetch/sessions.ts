// Incremental fetch sessions (KIP-227). A client that opens a session (session id 0, epoch 0)
// gets an id; later requests (that id, the next epoch) name only the partitions whose fetch
// position changed and those to forget, and the answer holds only partitions with something new:
// records, a moved high watermark or log start offset, or an error; those partitions then move to
// the end of the session's order, in which max_bytes is shared out. Epoch -1 is a sessionless
// full fetch (and closes the named session). The cache is bounded; the least recently used
// session is evicted to make room.
import { randomInt } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
const MAX_SESSIONS = 1000;

/** One partition a fetch reads: named by topic name (v12 and older) or topic id (v13 and newer). */
export interface FetchTarget {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

export interface SentState { highWatermark: number; logStartOffset: number }

interface Session {
  id: number;
  epoch: number;
  partitions: Map<string, FetchTarget & { sent: SentState | null }>;
}

export type SessionOutcome =
  | { errorCode: number }
  | { errorCode: 0; sessionId: number; targets: (FetchTarget & { sent: SentState | null })[]; incremental: boolean };

/** A target with nothing sent yet (fields written out: one object shape, no spread). */
const unsent = (t: FetchTarget): FetchTarget & { sent: SentState | null } => ({
  topic: t.topic, topicId: t.topicId, partition: t.partition, fetchOffset: t.fetchOffset, maxBytes: t.maxBytes, sent: null,
});

export function targetKey(t: { topic: string; topicId: string; partition: number }, byId: boolean): string {
  return `${byId ? t.topicId : t.topic}:${t.partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, Session>();

  /**
   * Applies a request to the cache and answers which partitions to read. `byId`: the request names
   * topics by id (Fetch v13+).
   */
  open(sessionId: number, epoch: number, requested: FetchTarget[], forgotten: { topic: string; topicId: string; partition: number }[], byId: boolean): SessionOutcome {
    if (sessionId === 0) {
      if (epoch === FINAL_EPOCH) return { errorCode: 0, sessionId: 0, targets: requested.map(unsent), incremental: false };
      if (epoch !== INITIAL_EPOCH) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
      const session: Session = { id: this.newId(), epoch: 1, partitions: new Map() };
      for (const t of requested) session.partitions.set(targetKey(t, byId), unsent(t));
      this.insert(session);
      return { errorCode: 0, sessionId: session.id, targets: [...session.partitions.values()], incremental: false };
    }
    const session = this.sessions.get(sessionId);
    if (epoch === FINAL_EPOCH) {
      this.sessions.delete(sessionId);
      return { errorCode: 0, sessionId: 0, targets: requested.map(unsent), incremental: false };
    }
    if (session === undefined) return { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (epoch !== session.epoch) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    session.epoch = epoch === 0x7fffffff ? 1 : epoch + 1;
    for (const f of forgotten) session.partitions.delete(targetKey(f, byId));
    for (const t of requested) {
      const key = targetKey(t, byId);
      const cached = session.partitions.get(key);
      session.partitions.set(key, { ...t, sent: cached?.sent ?? null });
    }
    // Most recently used last, so eviction takes the oldest.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, session);
    return { errorCode: 0, sessionId, targets: [...session.partitions.values()], incremental: true };
  }

  /**
   * Moves the partitions an incremental response carried to the end of the session's order, the
   * order the next response is filled in within max_bytes (Kafka's IncrementalFetchContext).
   */
  respondedLast(sessionId: number, responded: { topic: string; topicId: string; partition: number }[], byId: boolean): void {
    const partitions = this.sessions.get(sessionId)?.partitions;
    if (partitions === undefined) return;
    for (const t of responded) {
      const key = targetKey(t, byId);
      const cached = partitions.get(key);
      if (cached === undefined) continue;
      partitions.delete(key);
      partitions.set(key, cached);
    }
  }

  private insert(session: Session): void {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value as number;
      this.sessions.delete(oldest);
    }
    this.sessions.set(session.id, session);
  }

  private newId(): number {
    for (;;) {
      const id = randomInt(1, 0x7fffffff);
      if (!this.sessions.has(id)) return id;
    }
  }
}
