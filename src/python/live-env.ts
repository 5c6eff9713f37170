/**
 * Variables of `os.environ` the host sets again for each request. Lambda's runtime client sets
 * `_X_AMZN_TRACE_ID` in `process.env` for each invocation (and deletes it when an invocation has none), as
 * the Python runtime does in `os.environ`; a Python app's X-Ray SDK reads it there, so Python's copy,
 * made once at load, has to follow. Only a changed value crosses into Python.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import { listingEnviron } from '../core/gateway.ts';
import type { WsgiApp } from '../core/types.ts';
import { BRIDGE_MODULE } from './bridge.ts';
import type { Interpreter } from './interpreter.ts';

/** Which variables to follow, and where their current values are read (`process.env`, on Node). */
export interface LiveEnv {
  readonly names: readonly string[];
  read(name: string): string | undefined;
}

type SetEnvironValue = (name: string, value: string | undefined) => void;

/**
 * `app`, with each of `live.names` set in `os.environ` before a request whenever `live.read` gives another
 * value than Python holds (`loaded`: what os.environ was given at load), and taken out of it when the value
 * is gone.
 */
export function withLiveEnv(app: WsgiApp, pyodide: PyodideInterface, interpreter: Interpreter, live: LiveEnv, loaded: Readonly<Record<string, string>> = {}): WsgiApp {
  const held = new Map(live.names.map((name) => [name, Object.hasOwn(loaded, name) ? loaded[name] : undefined]));
  // Taken at the first change, not at load: an app loaded to be snapshotted leaves no proxy behind.
  let setValue: (SetEnvironValue & PyProxy) | undefined;
  return listingEnviron((environ, startResponse) => {
    if (interpreter.dead === undefined) {
      for (const [name, was] of held) {
        const value = live.read(name);
        if (value === was) continue;
        setValue ??= interpreter.enter(() => bridgeFunction(pyodide));
        interpreter.enter(() => setValue!(name, value));
        held.set(name, value);
      }
    }
    return app(environ, startResponse);
  });
}

function bridgeFunction(pyodide: PyodideInterface): SetEnvironValue & PyProxy {
  const bridge = pyodide.pyimport(BRIDGE_MODULE) as PyProxy & { set_environ_value: SetEnvironValue & PyProxy };
  try {
    // A copy: an attribute's proxy is borrowed, and goes with the module's.
    return bridge.set_environ_value.copy() as SetEnvironValue & PyProxy;
  } finally {
    bridge.destroy();
  }
}
