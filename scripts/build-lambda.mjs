#!/usr/bin/env node
/**
 * Bundles the Lambda entry (app/lambda.ts: the seed app's `handler` and `streamingHandler`) and
 * everything it imports, @aws-lambda-powertools/logger included, into one ES module that can be
 * zipped and deployed as is: `index.mjs`, handlers `index.handler` and `index.streamingHandler`.
 * (A Python app: `wsgi-edge build lambda`.)
 *
 *   node scripts/build-lambda.mjs [--entry app/lambda.ts] [--outdir dist/lambda]
 */

import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { bundleLambda } from './lambda-bundle.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: path.join(root, 'app/lambda.ts') },
    outdir: { type: 'string', default: path.join(root, 'dist/lambda') },
  },
});

const outfile = path.resolve(values.outdir, 'index.mjs');
const bytes = await bundleLambda(path.resolve(values.entry), outfile);
console.log(`${path.relative(process.cwd(), outfile)}: ${bytes} bytes (handlers index.handler, index.streamingHandler)`);
