/**
 * wsgi-edge on Deno: the bench app through `wsgi-edge/deno`, for `deno serve`. `/stream/file` wraps the
 * file named by BENCH_FILE (its `readable`, which the gateway can pass on as is).
 * @module
 */

import { handle } from '../../src/targets/deno/index.ts';
import { benchWsgiApp } from '../apps/wsgi.ts';

declare const Deno: {
  env: { get(name: string): string | undefined };
  open(path: string): Promise<{ readable: ReadableStream<Uint8Array> }>;
};

const file = Deno.env.get('BENCH_FILE');
export default handle(benchWsgiApp(file ? { openFile: async () => (await Deno.open(file)).readable } : {}));
