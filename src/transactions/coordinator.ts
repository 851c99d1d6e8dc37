// The transaction coordinator of this broker (every transactional id: a single broker coordinates
// them all). Keeps each transactional id's producer id and epoch, its state (Empty, Ongoing,
// PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort) and the partitions it wrote to;
// writes every change to __transaction_state before answering, replays that topic at start-up, and
// ends transactions by writing commit or abort markers to their partitions. Transactions that
// outlive their timeout are aborted with a bumped epoch, which fences the producer that started
// them; so is an InitProducerId for an id whose transaction is still open. InitProducerId follows
// Kafka's TransactionCoordinator (KIP-360): see initProducerId.
import type { Logger } from '../log.js';
import { ErrorCode } from '../protocol/errors.js';
import type { CoordinatorLog } from '../groups/group-log.js';
import { decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue } from './log-records.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's TransactionState ids, as __transaction_state stores them. */
export const TxnState = { Empty: 0, Ongoing: 1, PrepareCommit: 2, PrepareAbort: 3, CompleteCommit: 4, CompleteAbort: 5, Dead: 6, PrepareEpochFence: 7 } as const;
export const TXN_STATE_NAMES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

/** Epochs are int16; Kafka moves to a new producer id before the last one (isEpochExhausted). */
const MAX_EPOCH = 32766;
const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

export interface TopicPartition { topic: string; partition: number }

export interface Transaction {
  readonly transactionalId: string;
  producerId: number;
  producerEpoch: number;
  /**
   * Kafka's lastProducerId and lastProducerEpoch: the producer id before the last state change, and
   * the epoch a KIP-360 bump came from (-1 after a fresh init or a fence), so that a retried
   * InitProducerId gets the same answer again. Kept in memory only, as Kafka 3.x: -1 after a load.
   */
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: number;
  /** topic -> partitions written to in the open transaction */
  partitions: Map<string, Set<number>>;
  startMs: number;
  lastUpdateMs: number;
  /** A state change is being written or markers are being sent: other requests wait (CONCURRENT_TRANSACTIONS). */
  busy: boolean;
}

/** What the coordinator needs from the rest of the broker. */
export interface TransactionHost {
  log: CoordinatorLog;
  logger: Logger;
  maxTimeoutMs: number;
  nextProducerId(): Promise<number>;
  /** Writes the markers; answers an error code per "topic-partition". */
  writeMarkers(producerId: number, producerEpoch: number, commit: boolean, partitions: TopicPartition[]): Promise<Map<string, number>>;
  /** The markers reached these __consumer_offsets partitions (offsets committed in the transaction). */
  markersWritten(producerId: number, commit: boolean, partitions: TopicPartition[]): void;
}

export interface InitResult { errorCode: number; producerId: number; producerEpoch: number }
/** The producer id and epoch an InitProducerId v3+ names (KIP-360); null when it sends -1 and -1. */
export interface ProducerIdAndEpoch { producerId: number; producerEpoch: number }

export class TransactionCoordinator {
  readonly transactions = new Map<string, Transaction>();
  private loading = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: TransactionHost, private readonly expirationMs: number) {}

  get status(): number { return this.loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE; }

  /** __transaction_state. */
  get log(): CoordinatorLog { return this.host.log; }

  /** Replays __transaction_state; transactions caught between prepare and complete are completed. */
  async load(cleanupIntervalMs: number): Promise<void> {
    const started = Date.now();
    this.transactions.clear(); // a load tried again after a failure starts from nothing
    const last = new Map<string, ReturnType<typeof decodeTransactionLogValue> | null>();
    await this.host.log.load((record, batch) => {
      if (batch.isControl) return;
      const key = decodeTransactionLogKey(record.key);
      if (key.type !== 'transaction') return;
      last.set(key.transactionalId, record.value === null ? null : decodeTransactionLogValue(record.value));
    });
    for (const [transactionalId, v] of last) {
      if (v === null) continue;
      const partitions = new Map<string, Set<number>>();
      for (const tp of v.transactionPartitions ?? []) partitions.set(tp.topic, new Set(tp.partitionIds));
      this.transactions.set(transactionalId, {
        transactionalId, producerId: v.producerId, producerEpoch: v.producerEpoch, lastProducerId: NO_PRODUCER_ID, lastProducerEpoch: NO_PRODUCER_EPOCH, timeoutMs: v.transactionTimeoutMs, state: v.transactionStatus,
        partitions, startMs: v.transactionStartTimestampMs, lastUpdateMs: v.transactionLastUpdateTimestampMs, busy: false,
      });
    }
    this.loading = false;
    this.timer = setInterval(() => void this.sweep(Date.now()), cleanupIntervalMs).unref();
    this.host.logger.info({ transactionalIds: this.transactions.size, loadMs: Date.now() - started }, 'transaction coordinator loaded');
    void this.sweep(Date.now());
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  // --- InitProducerId ---

  /**
   * Kafka's handleInitProducerId and prepareInitProducerIdTransit. A transactional id without state
   * gets a new producer id, whatever id and epoch the request names. Otherwise a named producer must
   * be valid (isValidProducerId: the epoch is still unset, or the id is the current one, or the
   * previous one with an exhausted epoch) or it is PRODUCER_FENCED. Then the epoch is bumped when no
   * producer is named, the epoch is unset or the named epoch is the current one (a new producer id
   * at epoch 0 once the epoch is exhausted); the same id and epoch are answered again when the named
   * epoch is the one the last bump came from (a retry whose answer was lost); any other epoch is
   * PRODUCER_FENCED. An open transaction is aborted first with a fencing bump; where Kafka answers
   * CONCURRENT_TRANSACTIONS after that abort and bumps again on the client's retry, this broker
   * bumps again in the same request (the same outcome, one round trip fewer).
   */
  async initProducerId(transactionalId: string, timeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitResult> {
    const fail = (errorCode: number): InitResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (this.loading) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (timeoutMs <= 0 || timeoutMs > this.host.maxTimeoutMs) return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const ready = await this.host.log.ensure();
    if (ready !== ErrorCode.NONE) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    let txn = this.transactions.get(transactionalId);
    if (txn === undefined) {
      const now = Date.now();
      const newId = await this.newProducerId();
      if (newId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      txn = {
        transactionalId, producerId: newId, producerEpoch: NO_PRODUCER_EPOCH, lastProducerId: NO_PRODUCER_ID,
        lastProducerEpoch: NO_PRODUCER_EPOCH, timeoutMs, state: TxnState.Empty, partitions: new Map(), startMs: -1, lastUpdateMs: now, busy: false,
      };
      this.transactions.set(transactionalId, txn);
    }
    if (txn.busy) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected !== null && !isValidProducerId(txn, expected)) return fail(ErrorCode.PRODUCER_FENCED);
    if (txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (txn.state === TxnState.Ongoing) {
      // The previous producer's transaction is aborted, and the producer fenced, before this one starts.
      const aborted = await this.end(txn, false, true);
      if (aborted !== ErrorCode.NONE) return fail(aborted);
    }
    let change: Partial<Pick<Transaction, 'producerId' | 'producerEpoch' | 'lastProducerEpoch'>>;
    if (expected === null || txn.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === txn.producerEpoch) {
      const lastProducerEpoch = expected === null ? NO_PRODUCER_EPOCH : txn.producerEpoch;
      if (txn.producerEpoch >= MAX_EPOCH) {
        const newId = await this.newProducerId();
        if (newId === null) return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
        change = { producerId: newId, producerEpoch: 0, lastProducerEpoch };
      } else {
        change = { producerEpoch: txn.producerEpoch + 1, lastProducerEpoch };
      }
    } else if (expected.producerEpoch === txn.lastProducerEpoch) {
      change = {};
    } else {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    const errorCode = await this.persist(txn, { ...change, timeoutMs, state: TxnState.Empty, partitions: new Map(), startMs: -1 });
    if (errorCode !== ErrorCode.NONE) return fail(errorCode);
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /**
   * A new producer id, or null when its block could not be persisted (a full disk); the next request
   * tries again. Kafka answers a missing block COORDINATOR_LOAD_IN_PROGRESS, which every client retries.
   */
  private async newProducerId(): Promise<number | null> {
    try {
      return await this.host.nextProducerId();
    } catch (err) {
      this.host.logger.error({ err }, 'could not allocate a block of producer ids');
      return null;
    }
  }

  // --- within a transaction ---

  /** Checks the producer of a transactional request: NONE, or why it is refused. */
  check(transactionalId: string, producerId: number, producerEpoch: number): Transaction | number {
    if (this.loading) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== txn.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (txn.busy || txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    return txn;
  }

  /** AddPartitionsToTxn and AddOffsetsToTxn: the partitions join the open transaction. */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartition[]): Promise<number> {
    const txn = this.check(transactionalId, producerId, producerEpoch);
    if (typeof txn === 'number') return txn;
    const merged = new Map([...txn.partitions].map(([t, ps]) => [t, new Set(ps)]));
    let added = false;
    for (const { topic, partition } of partitions) {
      let set = merged.get(topic);
      if (set === undefined) merged.set(topic, set = new Set());
      if (!set.has(partition)) { set.add(partition); added = true; }
    }
    if (!added && txn.state === TxnState.Ongoing) return ErrorCode.NONE;
    const startMs = txn.state === TxnState.Ongoing ? txn.startMs : Date.now();
    return this.persist(txn, { state: TxnState.Ongoing, partitions: merged, startMs });
  }

  /** EndTxn: commits or aborts the open transaction; a retry of the same outcome is answered NONE. */
  async endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    const txn = this.check(transactionalId, producerId, producerEpoch);
    if (typeof txn === 'number') {
      // A retried EndTxn while the markers are still going out.
      const t = this.transactions.get(transactionalId);
      if (txn === ErrorCode.CONCURRENT_TRANSACTIONS && t !== undefined && t.state === (commit ? TxnState.PrepareAbort : TxnState.PrepareCommit)) return ErrorCode.INVALID_TXN_STATE;
      return txn;
    }
    if (txn.state === TxnState.CompleteCommit) return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
    if (txn.state === TxnState.CompleteAbort) return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
    if (txn.state !== TxnState.Ongoing) return ErrorCode.INVALID_TXN_STATE;
    return this.end(txn, commit, false);
  }

  /**
   * Prepare, write the markers, complete. With `fence`, the epoch is bumped first, so that the
   * producer that started the transaction can no longer write (a timeout, or a new InitProducerId).
   */
  private async end(txn: Transaction, commit: boolean, fence: boolean): Promise<number> {
    const producerEpoch = fence ? txn.producerEpoch + 1 : txn.producerEpoch;
    const prepared = await this.persist(txn, {
      producerEpoch, state: commit ? TxnState.PrepareCommit : TxnState.PrepareAbort, ...(fence ? { lastProducerEpoch: NO_PRODUCER_EPOCH } : {}),
    });
    if (prepared !== ErrorCode.NONE) return prepared;
    return this.complete(txn);
  }

  /** From a Prepare state: markers to every partition, then the Complete state. */
  private async complete(txn: Transaction): Promise<number> {
    const commit = txn.state === TxnState.PrepareCommit;
    const partitions: TopicPartition[] = [];
    for (const [topic, ps] of txn.partitions) for (const partition of ps) partitions.push({ topic, partition });
    txn.busy = true;
    try {
      for (let attempt = 0; ; attempt++) {
        const results = await this.host.writeMarkers(txn.producerId, txn.producerEpoch, commit, partitions);
        // A partition whose topic was deleted needs no marker any more.
        const failed = [...results].filter(([, code]) => code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (failed.length === 0) break;
        if (attempt >= 20) {
          this.host.logger.error({ transactionalId: txn.transactionalId, failed }, 'transaction markers could not be written; will retry');
          return ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
      this.host.markersWritten(txn.producerId, commit, partitions);
    } finally {
      txn.busy = false;
    }
    return this.persist(txn, { state: commit ? TxnState.CompleteCommit : TxnState.CompleteAbort, partitions: new Map() });
  }

  /** Writes the transaction's next state to __transaction_state, then takes it on (the producer id it had becomes lastProducerId, as Kafka's transitions do). */
  private async persist(txn: Transaction, change: Partial<Pick<Transaction, 'producerId' | 'producerEpoch' | 'lastProducerEpoch' | 'timeoutMs' | 'state' | 'partitions' | 'startMs'>>): Promise<number> {
    const next = { ...txn, ...change, lastUpdateMs: Date.now() };
    const value = encodeTransactionLogValue({
      producerId: next.producerId, producerEpoch: next.producerEpoch, transactionTimeoutMs: next.timeoutMs, transactionStatus: next.state,
      transactionPartitions: next.state === TxnState.Empty ? null : [...next.partitions].map(([topic, ps]) => ({ topic, partitionIds: [...ps].sort((a, b) => a - b) })),
      transactionLastUpdateTimestampMs: next.lastUpdateMs, transactionStartTimestampMs: next.startMs,
    });
    txn.busy = true;
    let errorCode: number;
    try {
      errorCode = await this.host.log.append(txn.transactionalId, [{ key: encodeTransactionLogKey(txn.transactionalId), value }]);
    } finally {
      txn.busy = false;
    }
    if (errorCode !== ErrorCode.NONE) return errorCode;
    const lastProducerId = txn.producerId;
    Object.assign(txn, change, { lastProducerId, lastUpdateMs: next.lastUpdateMs });
    return ErrorCode.NONE;
  }

  /** Aborts transactions past their timeout, finishes those left half-ended, forgets idle ids. */
  async sweep(nowMs: number): Promise<void> {
    for (const txn of [...this.transactions.values()]) {
      if (txn.busy) continue;
      try {
        if (txn.state === TxnState.Ongoing && txn.startMs + txn.timeoutMs <= nowMs) {
          this.host.logger.info({ transactionalId: txn.transactionalId, producerId: txn.producerId, timeoutMs: txn.timeoutMs }, 'aborting a transaction past its timeout');
          await this.end(txn, false, true);
        } else if (txn.state === TxnState.PrepareCommit || txn.state === TxnState.PrepareAbort) {
          await this.complete(txn);
        } else if ((txn.state === TxnState.Empty || txn.state === TxnState.CompleteCommit || txn.state === TxnState.CompleteAbort) && nowMs - txn.lastUpdateMs >= this.expirationMs) {
          const errorCode = await this.host.log.append(txn.transactionalId, [{ key: encodeTransactionLogKey(txn.transactionalId), value: null }]);
          if (errorCode === ErrorCode.NONE && !txn.busy) this.transactions.delete(txn.transactionalId);
        }
      } catch (err) {
        this.host.logger.error({ err, transactionalId: txn.transactionalId }, 'transaction sweep failed');
      }
    }
  }
}

/** Kafka's isValidProducerId: may the producer an InitProducerId names go on under this transactional id? */
function isValidProducerId(txn: Transaction, expected: ProducerIdAndEpoch): boolean {
  return txn.producerEpoch === NO_PRODUCER_EPOCH
    || expected.producerId === txn.producerId
    || (expected.producerId === txn.lastProducerId && expected.producerEpoch >= MAX_EPOCH);
}
