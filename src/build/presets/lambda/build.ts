/**
 * `wsgi-edge build lambda`: the staged artifact zipped, with handlers `index.handler` (BUFFERED, API
 * Gateway, ALB) and `index.streamingHandler` (a function URL in RESPONSE_STREAM mode); refused past
 * Lambda's limits for a zip uploaded directly.
 * @module
 */

import { rmSync } from 'node:fs';
import path from 'node:path';
import { BuildError, mebibytes, type Preset } from '../../index.ts';
import { zipFolder } from '../../zip.ts';

/** Lambda's quotas: a zip uploaded directly, and the function unzipped (layers included). */
export const MAX_ZIPPED = 50 * 1024 * 1024;
export const MAX_UNZIPPED = 250 * 1024 * 1024;

export const lambdaPreset: Preset = {
  name: 'lambda',
  entry: 'index.mjs',
  defaultOut: '.wsgi-edge/lambda.zip',
  finish(stage, out) {
    const { zipped, unzipped, files } = zipFolder(stage, out);
    const over = zipped > MAX_ZIPPED ? `the zip is over Lambda's ${mebibytes(MAX_ZIPPED)} for a direct upload`
      : unzipped > MAX_UNZIPPED ? `the function is over Lambda's ${mebibytes(MAX_UNZIPPED)} unzipped` : undefined;
    const size = `${zipped} bytes (${mebibytes(zipped)}), ${unzipped} bytes unzipped (${mebibytes(unzipped)}), ${files} files`;
    if (over !== undefined) {
      rmSync(out, { force: true });
      throw new BuildError(`${path.relative(process.cwd(), out) || out}: ${size}: ${over}`);
    }
    return [
      `Wrote ${path.relative(process.cwd(), out) || out}: ${size}`,
      'Handlers: index.handler (BUFFERED, API Gateway, ALB), index.streamingHandler (function URL, RESPONSE_STREAM); runtime nodejs20.x or later',
    ];
  },
};
