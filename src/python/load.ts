/**
 * Loading a Python app, the part every runtime shares: the bridge module installed once per interpreter,
 * `files` written into Pyodide's file system, the app imported and wrapped. The runtime entries (./index.ts
 * for Node, Deno and Lambda; ./workerd.ts for Cloudflare Workers) say where Pyodide and the folders come from.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import type { WsgiApp } from '../core/types.ts';
import { listingEnviron } from '../core/gateway.ts';
import { bridgeApp, installBridge, loadGateway, type BridgeOptions } from './bridge.ts';
import { Interpreter } from './interpreter.ts';
import { installCallTrampoline } from './call-trampoline.ts';
import { withLiveEnv, type LiveEnv } from './live-env.ts';

export interface PythonAppOptions extends BridgeOptions {
  /**
   * The app as gunicorn names it: `'module:callable'`, `'module:obj.attr'`, `'module:factory()'` or
   * `'module:factory("literal", key=1)'` (literal arguments only, read with Python's `ast.literal_eval`;
   * the factory is called once, at load); `'module'` alone means `module:application`.
   */
  app: string;
  /** Folders put first on `sys.path`, in order (the app's folder, a `pip install -t` folder). Not on Workers. */
  path?: readonly string[];
  /** Sources as `{ 'pkg/mod.py': text }`, for runtimes without a file system; their folder comes first on `sys.path`. */
  files?: Readonly<Record<string, string>>;
  /**
   * What `os.environ` holds, replacing everything in it before the app is imported (Pyodide's defaults,
   * `USER=web_user`, `PATH=/`..., or a snapshot's values from where it was made); Pyodide's `HOME` and
   * `LD_LIBRARY_PATH` stay where this names none. One Pyodide has one `os.environ`: the last app loaded
   * into it sets it. Left as it is when not given; `wsgi-edge/python` on Node, Deno and Lambda gives the
   * process environment by default.
   */
  env?: Readonly<Record<string, string>>;
  /** A Pyodide the caller already loaded; by default the installed `pyodide` is loaded once per process. */
  pyodide?: PyodideInterface | Promise<PyodideInterface>;
}

/** Where `options.files` are written inside Pyodide. */
export const FILES_DIR = '/app';

/** Each Pyodide's interpreter; the bridge module is installed when it is first made. */
const interpreters = new WeakMap<PyodideInterface, Interpreter>();

/**
 * The app `options.app` in `pyodide`, as a `WsgiApp`. `folders` (already inside Pyodide's file system)
 * go on sys.path after the folder of `options.files`; `live` names variables os.environ follows request by
 * request. A Pyodide whose interpreter died (under another app loaded into it) takes no new app: this throws
 * its InterpreterDeadError.
 */
export function startPythonApp(pyodide: PyodideInterface, bridgeSource: string, options: PythonAppOptions, folders: readonly string[] = [], live?: LiveEnv): WsgiApp {
  let interpreter = interpreters.get(pyodide);
  if (interpreter === undefined) {
    installCallTrampoline(pyodide);
    installBridge(pyodide, bridgeSource);
    interpreters.set(pyodide, (interpreter = new Interpreter()));
  }
  if (interpreter.dead) throw interpreter.dead;
  const paths = options.files ? [writeFiles(pyodide, options.files), ...folders] : [...folders];
  const app = bridgeApp(loadGateway(pyodide, options.app, paths, options.multiprocess ?? true, options.env), interpreter, options);
  return live === undefined || live.names.length === 0 ? app : withLiveEnv(app, pyodide, interpreter, live, options.env);
}

/** Writes `files` under FILES_DIR and returns that folder. */
export function writeFiles(pyodide: PyodideInterface, files: Readonly<Record<string, string>>): string {
  for (const [relative, source] of Object.entries(files)) {
    const parts = relative.split('/');
    if (relative.startsWith('/') || parts.some((part) => part === '..' || part === '')) {
      throw new Error(`wsgi-edge: options.files names a path outside its folder: ${JSON.stringify(relative)}`);
    }
    pyodide.FS.mkdirTree([FILES_DIR, ...parts.slice(0, -1)].join('/'));
    pyodide.FS.writeFile(`${FILES_DIR}/${relative}`, source);
  }
  return FILES_DIR;
}

/**
 * A `WsgiApp` that loads on its first request (Workers allow no seconds-long work at start-up), saying
 * on the console what that load cost (and `from` where, as ` from its snapshot`). A failed load is tried again by the next request; after the
 * interpreter dies (`onFatal`) the next request loads a fresh one, when `load` makes a new interpreter.
 */
export function lazyApp(spec: string, load: (onFatal: BridgeOptions['onFatal']) => Promise<WsgiApp>, onFatal?: BridgeOptions['onFatal'], from = ''): WsgiApp {
  let loading: Promise<WsgiApp> | undefined;
  const fatal: NonNullable<BridgeOptions['onFatal']> = (error) => {
    loading = undefined;
    onFatal?.(error);
  };
  const timedLoad = async () => {
    const started = Date.now();
    const app = await load(fatal);
    console.log(`wsgi-edge: Python app ${spec} loaded${from} in ${Date.now() - started} ms, on its first request`);
    return app;
  };
  return listingEnviron(async (environ, startResponse) => {
    const attempt = (loading ??= timedLoad());
    let app: WsgiApp;
    try {
      app = await attempt;
    } catch (error) {
      if (loading === attempt) loading = undefined;
      throw error;
    }
    return app(environ, startResponse);
  });
}
