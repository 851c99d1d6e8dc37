// Start-up recovery as it goes: each chunk of partitions opened moves the figures that /metrics
// and /readyz show, and while recovery lasts longer than samsa.recovery.progress.interval.ms, a
// progress line is logged at most once per interval (partitions done of all, bytes scanned).
import type { Logger } from '../log.js';
import type { OpenResult } from '../workers/messages.js';
import type { StartupState } from './collector.js';

export function recoveryProgress(log: Logger, intervalMs: number, state: StartupState): (opened: OpenResult[], total: number) => void {
  let scannedBytes = 0;
  let lastReport = state.startedMs;
  return (opened, total) => {
    state.partitionsTotal = total;
    state.partitionsRecovered += opened.length;
    for (const o of opened) scannedBytes += o.scannedBytes;
    const now = Date.now();
    if (now - lastReport < intervalMs || state.partitionsRecovered >= total) return;
    lastReport = now;
    log.info({
      partitions: state.partitionsRecovered, of: total, scannedBytes, elapsedMs: now - state.startedMs,
    }, `recovering partition logs: ${state.partitionsRecovered} of ${total}`);
  };
}

/**
 * What start-up recovery did: one line per partition where it truncated (bytes dropped, from which
 * offset), rebuilt indexes, scanned records or replayed producer state from a snapshot; one line per
 * log dir that had a clean shutdown marker; then a summary line.
 */
export function logRecovery(log: Logger, opened: readonly OpenResult[], logDirs: readonly string[], cleanDirs: ReadonlySet<string>): void {
  for (const dir of logDirs) {
    if (cleanDirs.has(dir)) log.info({ logDir: dir }, 'clean shutdown marker found; skipping recovery scan');
  }
  const total = { truncatedBytes: 0, scannedBytes: 0, rebuiltIndexes: 0, replayedBatches: 0, truncatedPartitions: 0, skippedScans: 0 };
  for (const o of opened) {
    total.truncatedBytes += o.truncatedBytes;
    total.scannedBytes += o.scannedBytes;
    total.rebuiltIndexes += o.rebuiltIndexes;
    total.replayedBatches += o.replayedBatches;
    if (o.truncatedBytes > 0) total.truncatedPartitions++;
    if (o.skippedScan) total.skippedScans++;
    if (o.truncatedBytes === 0 && o.rebuiltIndexes === 0 && o.scannedBytes === 0 && o.replayedBatches === 0) continue;
    const what = [
      o.truncatedBytes > 0 ? `truncated ${o.truncatedBytes} bytes from offset ${o.truncatedFromOffset}` : '',
      o.rebuiltIndexes > 0 ? `rebuilt the indexes of ${o.rebuiltIndexes} segment(s)` : '',
      o.scannedBytes > 0 ? `scanned ${o.scannedBytes} bytes${o.recoveryPointOffset >= 0 ? ` from the recovery point at offset ${o.recoveryPointOffset}` : ''}` : '',
      o.replayedBatches > 0 ? `restored producer state from ${o.producerSnapshotOffset < 0 ? 'the log start (no snapshot)' : `the snapshot at offset ${o.producerSnapshotOffset}`} + ${o.replayedBatches} batches` : '',
    ].filter((s) => s !== '').join(', ');
    log[o.truncatedBytes > 0 ? 'warn' : 'info']({
      partition: o.key, logEndOffset: o.logEndOffset, truncatedBytes: o.truncatedBytes, truncatedFromOffset: o.truncatedFromOffset,
      rebuiltIndexes: o.rebuiltIndexes, scannedBytes: o.scannedBytes, recoveryPointOffset: o.recoveryPointOffset, producerSnapshotOffset: o.producerSnapshotOffset, replayedBatches: o.replayedBatches,
    }, `recovered ${o.key}: ${what}`);
  }
  log.info({ partitions: opened.length, ...total, cleanShutdownDirs: [...cleanDirs] }, 'recovery done');
}
