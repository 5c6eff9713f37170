// tsc rewrites relative `.ts` imports to `.js` in emitted JavaScript but not in declaration files;
// Deno's type checker then looks for `.ts` files that dist/ does not have. Point them at `.js` too.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;

function rewrite(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewrite(path);
    else if (entry.name.endsWith('.d.ts')) {
      const source = readFileSync(path, 'utf8');
      const fixed = source.replace(RELATIVE_TS, '$1$2.js$3');
      if (fixed !== source) writeFileSync(path, fixed);
    }
  }
}

rewrite(process.argv[2] ?? 'dist');
