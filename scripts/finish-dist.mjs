// What tsc leaves undone in dist/:
// - it rewrites relative `.ts` imports to `.js` in emitted JavaScript but not in declaration files, and
//   Deno's type checker then looks for `.ts` files that dist/ does not have: point them at `.js` too;
// - it copies no Python: the bridge's Python half (src/python/*.py) and the Workers loader's wasm must sit beside the JavaScript that loads them.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
const dist = process.argv[2] ?? 'dist';

function walk(dir, visit) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, visit);
    else visit(path);
  }
}

walk(dist, (path) => {
  if (!path.endsWith('.d.ts')) return;
  const source = readFileSync(path, 'utf8');
  const fixed = source.replace(RELATIVE_TS, '$1$2.js$3');
  if (fixed !== source) writeFileSync(path, fixed);
});

walk('src', (path) => {
  if (!path.endsWith('.py') && !path.endsWith('.wasm')) return;
  const target = join(dist, 'src', relative('src', path));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(path, target);
});
