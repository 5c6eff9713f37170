/**
 * The WSGI app every wsgi-edge server under test runs: the seed's `base64App` for its own routes, plus a
 * plain hello-world and the two streaming bodies (a generator of 64 KiB chunks, and a file through
 * `environ['wsgi.file_wrapper']`, or `FileWrapper` from `wsgi-edge/util` where the environ has none).
 * @module
 */

import { base64App } from '../../app/base64-app.ts';
import type { Chunk, Environ, ResponseBody, StartResponse, WsgiApp } from '../../src/index.ts';
import { FileWrapper, type FileSource } from '../../src/wsgiref/util.ts';
import { CHUNK, chunkCount, HELLO, OCTETS, TEXT } from './shared.ts';

export interface BenchAppOptions {
  /** Opens the big file for `/stream/file` as something `FileWrapper` accepts; absent where there are no files. */
  openFile?: () => FileSource | Promise<FileSource>;
}

type FileWrapperFactory = (source: FileSource, blksize?: number) => ResponseBody;

/** `wsgiref.util.FileWrapper` itself, where the environ does not offer `wsgi.file_wrapper`. */
const wrapFile: FileWrapperFactory = (source, blksize) => new FileWrapper(source, blksize);

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
        // PEP 3333's way: the server's wsgi.file_wrapper (which may hand the file to the platform).
        const wrap = (environ['wsgi.file_wrapper'] as FileWrapperFactory | undefined) ?? wrapFile;
        const openFile = options.openFile;
        if (openFile === undefined) {
          startResponse('501 Not Implemented', [['Content-Type', TEXT]]);
          return ['no file here'];
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
