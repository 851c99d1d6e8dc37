// Helpers for the tests that drive real Kafka clients (kcat, kafka-python, confluent-kafka):
// whether each is installed, where the Python scripts are, running a script and reading the JSON
// it prints, polling until a condition holds, and the Kafka error types inside client errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireSystemTool, runCommand } from './broker.js';

/** Debian's python3 (the system clients are installed for it, not for a pyenv python3 on PATH). */
export const PYTHON = '/usr/bin/python3';

/** The nearest folder above the compiled helper that holds package.json (dist/ or any outDir). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

const REPO_ROOT = repoRoot();

/** A file of the repository's source tree (files that are not compiled: scripts, dashboards). */
export function repoPath(relative: string): string {
  return path.join(REPO_ROOT, relative);
}

/** A script under test/clients/python/ (they are not compiled; read from the source tree). */
export function pythonScript(name: string): string {
  return repoPath(path.join('test/clients/python', name));
}

/** False when kcat runs; otherwise the skip message (or a throw under CI=true). */
export function requireKcat(): string | false {
  return requireSystemTool(() => spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0, 'kcat');
}

/** False when /usr/bin/python3 can import the module; otherwise the skip message (or a throw under CI=true). */
export function requirePythonModule(module: string, debianPackage: string): string | false {
  return requireSystemTool(() => spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0, debianPackage);
}

/**
 * Runs a Python script with arguments and answers the JSON object on the last line of its stdout;
 * throws with its whole output when it fails or prints no JSON.
 */
export async function runPythonJson<T = any>(script: string, args: string[], timeoutMs = 45_000): Promise<T> {
  const r = await runCommand(PYTHON, [pythonScript(script), ...args], { timeoutMs, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const lines = r.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (r.code !== 0 || !last.startsWith('{')) {
    throw new Error(`${script} exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return JSON.parse(last) as T;
}

/** Polls `check` until it answers a value other than undefined; throws after the time. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

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

/** Every wanted message consumed exactly once, at the partition and offset it was delivered to. */
export function assertExactlyOnce(consumed: { partition: number; offset: number; value: string }[], delivered: Record<string, [number, number]>, wanted: string[]): void {
  const seen = new Map<string, { partition: number; offset: number; value: string }>();
  for (const c of consumed) {
    assert.ok(!seen.has(c.value), `${c.value} read twice: ${JSON.stringify([seen.get(c.value), c])}`);
    seen.set(c.value, c);
    assert.deepEqual([c.partition, c.offset], delivered[c.value], `${c.value} read where it was delivered`);
  }
  assert.deepEqual([...seen.keys()].sort(), [...wanted].sort(), 'exactly the messages wanted were read');
}
