/**
 * The WSGI app every wsgi-edge server under test runs: the seed's `base64App` for its own routes, plus a
 * plain hello-world and the two streaming bodies (a generator of 64 KiB chunks, and a file through
 * `environ['wsgi.file_wrapper']`).
 * @module
 */

import { base64App } from '../../app/base64-app.ts';
import type { Chunk, Environ, ResponseBody, StartResponse, WsgiApp } from '../../src/index.ts';
import { CHUNK, chunkCount, HELLO, OCTETS, TEXT } from './shared.ts';

export interface BenchAppOptions {
  /** Opens the big file for `/stream/file` as something `FileWrapper` accepts; absent where there are no files. */
  openFile?: () => unknown;
}

type FileWrapperFactory = (source: unknown, blksize?: number) => ResponseBody;

export function benchWsgiApp(options: BenchAppOptions = {}): WsgiApp {
  // Synchronous on the measured routes: only the file route needs to wait (to open its file).
  return (environ: Environ, startResponse: StartResponse) => {
    switch (environ.PATH_INFO) {
      case '/hello':
        startResponse('200 OK', [['Content-Type', TEXT]]);
        return [HELLO];
      case '/stream/gen':
        startResponse('200 OK', [['Content-Type', OCTETS]]);
        return chunks(chunkCount(environ.QUERY_STRING));
      case '/stream/file': {
        const wrap = environ['wsgi.file_wrapper'] as FileWrapperFactory | undefined;
        const openFile = options.openFile;
        if (openFile === undefined || typeof wrap !== 'function') {
          startResponse('501 Not Implemented', [['Content-Type', TEXT]]);
          return ['no wsgi.file_wrapper or no file here'];
        }
        return (async () => {
          const source = await openFile();
          startResponse('200 OK', [['Content-Type', OCTETS]]);
          return wrap(source, CHUNK.length);
        })();
      }
      default:
        return base64App(environ, startResponse);
    }
  };
}

function* chunks(count: number): Generator<Chunk> {
  for (let i = 0; i < count; i++) yield CHUNK;
}
