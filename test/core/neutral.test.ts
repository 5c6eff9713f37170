import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const coreFiles = ['src/index.ts', ...readdirSync('src/core').map((name) => `src/core/${name}`)];

describe('the core is runtime-neutral', () => {
  it.each(coreFiles)('%s imports only the core and uses no platform global', (file) => {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)[^\n]*from\s+'([^']+)'/gm)) expect(match[1]).toMatch(/^\.\.?\//);
    expect(source).not.toMatch(/\b(?:process|Buffer|Deno|Bun|require|__dirname)\b\s*[.(]/);
    expect(source).not.toMatch(/['"](?:node|cloudflare|bun):/);
  });
});
