#!/usr/bin/env node
/**
 * Bundles the Lambda entry (app/lambda.ts: the seed app's `handler` and `streamingHandler`) and
 * everything it imports, @aws-lambda-powertools/logger included, into one ES module that can be
 * zipped and deployed as is: `index.mjs`, handlers `index.handler` and `index.streamingHandler`.
 *
 *   node scripts/build-lambda.mjs [--entry app/lambda.ts] [--outdir dist/lambda]
 */

import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: path.join(root, 'app/lambda.ts') },
    outdir: { type: 'string', default: path.join(root, 'dist/lambda') },
  },
});

const outfile = path.resolve(values.outdir, 'index.mjs');
const result = await build({
  entryPoints: [path.resolve(values.entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node.js Lambda runtime the package supports (engines: node >= 20).
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`${path.relative(process.cwd(), outfile)}: ${bytes} bytes (handlers index.handler, index.streamingHandler)`);
