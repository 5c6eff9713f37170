/**
 * A Python WSGI app served by a Cloudflare Worker: Pyodide starts inside the Worker on the first request
 * (src/python/workerd.ts) and app/wsgi_app.py's `simple_app` answers through the Cloudflare target. Built
 * with app/cloudflare-python/wrangler.toml, whose rules bundle Pyodide's files.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import { handle } from '../../src/targets/cloudflare/index.ts';
import type { Environ, HeaderPair, WsgiApp } from '../../src/core/types.ts';
import { loadPyodideInWorkerd } from '../../src/python/workerd.ts';
import appSource from '../wsgi_app.py';

/** Calls the app with the environ's CGI strings and returns its status, headers and joined body. */
const CALL_APP = `
import io, sys
from wsgi_app import simple_app

def call_app(cgi):
    environ = dict(cgi.to_py())
    environ.update({'wsgi.version': (1, 0), 'wsgi.input': io.BytesIO(), 'wsgi.errors': sys.stderr,
                    'wsgi.multithread': False, 'wsgi.multiprocess': False, 'wsgi.run_once': False})
    started = []
    def start_response(status, headers, exc_info=None):
        started[:] = [status, [list(header) for header in headers]]
        return lambda data: None
    result = simple_app(environ, start_response)
    try:
        body = b''.join(result)
    finally:
        if hasattr(result, 'close'):
            result.close()
    return started[0], started[1], body

call_app
`;

type CallApp = PyProxy & ((cgi: Record<string, string>) => PyProxy & { toJs(): [string, HeaderPair[], Uint8Array] });

async function startPython(): Promise<CallApp> {
  const pyodide: PyodideInterface = await loadPyodideInWorkerd();
  pyodide.FS.writeFile('/home/pyodide/wsgi_app.py', appSource);
  const callApp = pyodide.runPython(CALL_APP) as CallApp;
  console.log('wsgi-edge: Python started for this request');
  return callApp;
}

let python: Promise<CallApp> | undefined;

const pythonApp: WsgiApp = async (environ: Environ, startResponse) => {
  python ??= startPython().catch((error: unknown) => {
    python = undefined;
    throw error;
  });
  const callApp = await python;
  const cgi = Object.fromEntries(Object.entries(environ).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const answer = callApp(cgi);
  try {
    const [status, headers, body] = answer.toJs();
    startResponse(status, headers);
    return [body];
  } finally {
    answer.destroy();
  }
};

export default handle(pythonApp);
