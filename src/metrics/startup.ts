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
