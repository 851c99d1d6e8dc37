// Test helper for the client-compatibility and durability tests: error inspection across the
// wrappers real clients put around Kafka errors, and polling until a condition holds.

/**
 * Every Kafka error type/name found in an error and the errors it wraps (kafkajs nests them in
 * `cause`, `originalError`, `errors`; @platformatic/kafka in `errors` and `apiId`).
 */
export function errorTypes(err: unknown, seen = new Set<unknown>()): string[] {
  if (err === null || typeof err !== 'object' || seen.has(err)) return [];
  seen.add(err);
  const e = err as Record<string, unknown>;
  const out: string[] = [];
  for (const k of ['type', 'apiId', 'code', 'name']) if (typeof e[k] === 'string') out.push(e[k] as string);
  for (const k of ['cause', 'originalError', 'retriableError']) out.push(...errorTypes(e[k], seen));
  if (Array.isArray(e.errors)) for (const x of e.errors) out.push(...errorTypes(x, seen));
  return out;
}

/** Polls `check` until it answers true (or throws, with its last failure, after timeoutMs). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
