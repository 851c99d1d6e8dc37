// The import graph of src/ has no circles, type imports included: broker.ts wires the rooms and
// nothing imports it back; handlers reach the rooms through server/context.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { circles, importGraph } from './import-graph.js';

test('nothing in src/ imports broker.ts', () => {
  const importers = [...importGraph()].filter(([, deps]) => deps.includes('broker.ts')).map(([file]) => file);
  assert.deepEqual(importers, ['main.ts']);
});

test('the import graph of src/ has no circles', () => {
  assert.deepEqual(circles(importGraph()), []);
});

test('handlers import neither the broker nor the dispatcher\'s wiring', () => {
  for (const [file, deps] of importGraph()) {
    if (!file.startsWith('server/handlers/')) continue;
    assert.ok(!deps.includes('broker.ts'), `${file} imports broker.ts`);
  }
});
