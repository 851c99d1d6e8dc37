// `npm start`'s build step: compiles (tsc, in place, without wiping dist/) only when a source under
// src/ is newer than its output in dist/src/, or tsconfig.json newer than dist/src/main.js, so
// that a start with nothing changed takes no time and leaves dist/ alone for whatever else runs
// from it. `npm run build` still wipes and rebuilds everything. Plain JavaScript: it runs before
// there is a dist/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const mtime = (file) => { try { return fs.statSync(file).mtimeMs; } catch { return -1; } };

/** Why dist/ must be built (the first source whose output is missing or older), or null when it is up to date. */
function staleSource() {
  const main = mtime(path.join(root, 'dist/src/main.js'));
  if (main < 0) return 'dist/src/main.js is missing';
  if (mtime(path.join(root, 'tsconfig.json')) > main) return 'tsconfig.json changed';
  for (const entry of fs.readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
    const source = path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name));
    const output = path.join(root, 'dist', source.replace(/\.ts$/, '.js'));
    if (mtime(output) < mtime(path.join(root, source))) return `${source} changed`;
  }
  return null;
}

const stale = staleSource();
if (stale !== null) {
  process.stderr.write(`samsa: building dist/ (${stale})\n`);
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  process.exit(tsc.status ?? 1);
}
