#!/usr/bin/env node
/**
 * The `wsgi-edge` command. `wsgi-edge serve <target> [--host H] [--port P] [--workers N]` serves a WSGI
 * app on the simple server, as `python -m wsgiref.simple_server` serves `demo_app` and gunicorn serves
 * `module:callable`; with no target it serves `demoApp`. The target is a JavaScript or TypeScript module,
 * a Python file or a Python module (./cli/target.ts); `--workers N` runs N processes on one port
 * (./cli/workers.ts), since one Python interpreter answers one request at a time.
 * @module
 */

import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { runBuild, type BuildCommand } from './cli/build.ts';
import { serveProcess } from './cli/serve.ts';
import { parseMount, parseTarget, resolvePythonApp, type Target } from './cli/target.ts';
import { UsageError } from './cli/usage-error.ts';
import { runPrimary } from './cli/workers.ts';

const USAGE = `Usage: wsgi-edge serve [<target>] [--host H] [--port P] [--workers N] [--pythonpath DIR[,DIR]]

Serves a WSGI app on the simple server (default: the demo app on 127.0.0.1:8000).
  <target>           path/app.py[:callable]   a Python file (its folder first on sys.path)
                     module[:callable]        a Python module, on --pythonpath or in the working folder
                                              (callable as gunicorn takes it: app, obj.app, create_app()
                                              or create_app('literal', key=1); default application)
                     path/app.ts[:export]     a .js/.mjs/.ts/.mts module (default: default, app,
                                              application, or the only exported function)
  --host H           the address to listen on (default 127.0.0.1)
  --port P           the port (default 8000; 0 picks a free one)
  --workers N        N processes on the port, each with its own interpreter (default 1)
  --max-restarts N   with --workers: replacements allowed within a minute before giving up (default 10)
  --pythonpath DIRS  folders put first on sys.path, comma-separated (as gunicorn's)
  --snapshot FILE    start each interpreter from this memory snapshot of the Python app (a second,
                     not seconds; made by wsgi-edge snapshot, refused when the app's files changed)
  --mount DIR[:AT]   a host folder the Python app reads at a fixed path (AT, default DIR itself),
                     e.g. --mount /usr/share/zoneinfo for Debian's pytz

       wsgi-edge snapshot <app.py|module>[:callable] --out FILE [--pythonpath DIR[,DIR]]

Writes Pyodide's memory with the Python app imported, for loadPythonApp({ snapshot }).

       wsgi-edge build <lambda|deno|cloudflare> <app.py|module>[:callable] [--pythonpath DIR[,DIR]] [--mount DIR[:AT]]
                       [--out PATH] [--no-snapshot]

Builds a deployable artifact of the Python app: for lambda a zip (handlers index.handler and
index.streamingHandler), for deno a folder for deno serve, for cloudflare a Worker's folder with its
wrangler.toml (npx wrangler dev -c DIR/wrangler.toml); Pyodide, the app's folders and a memory snapshot
of the app imported are inside.
  --mount DIR[:AT]   also ship a folder the app reads at a fixed path (AT, default DIR itself)
  --out PATH         the zip or folder (default .wsgi-edge/lambda.zip, .wsgi-edge/deno, .wsgi-edge/cloudflare)
  --no-snapshot      start Python from scratch (when the app cannot be snapshotted)`;

/** `wsgi-edge snapshot`: the app and its sys.path folders, and where the snapshot goes. */
interface SnapshotCommand {
  snapshot: { app: string; path: string[]; out: string };
}

interface BuildCommandLine {
  build: BuildCommand;
}

interface Command {
  /** As given, for the primary's first line. */
  spec: string | undefined;
  target: Target | undefined;
  host: string;
  port: number;
  workers: number;
  maxRestarts: number;
}

function parseCommand(argv: string[]): Command | SnapshotCommand | BuildCommandLine | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      workers: { type: 'string', default: '1' },
      'max-restarts': { type: 'string', default: '10' },
      pythonpath: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      snapshot: { type: 'string' },
      mount: { type: 'string', multiple: true, default: [] },
      'no-snapshot': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const [command, spec, ...extra] = positionals;
  const pythonPath = values.pythonpath.flatMap((list) => list.split(',')).filter((folder) => folder !== '');
  if (command === 'build') {
    const [app, ...rest] = extra;
    if (spec === undefined || app === undefined || rest.length > 0) throw new UsageError('Usage: wsgi-edge build <lambda|deno|cloudflare> <app> [options] (wsgi-edge --help)');
    return { build: { target: spec, spec: app, pythonPath, mounts: values.mount, out: values.out, snapshot: !values['no-snapshot'] } };
  }
  if (command === 'snapshot' && spec !== undefined && extra.length === 0) {
    if (values.out === undefined) throw new UsageError('wsgi-edge snapshot needs --out FILE');
    const { app, path } = resolvePythonApp(spec, pythonPath, 'wsgi-edge snapshot');
    return { snapshot: { app, path, out: values.out } };
  }
  if (command !== 'serve' || extra.length > 0) throw new UsageError(USAGE);
  if (spec === undefined && pythonPath.length > 0) throw new UsageError('--pythonpath is for a Python app: name one');
  const target = spec === undefined ? undefined : parseTarget(spec, pythonPath, values.snapshot);
  if (values.snapshot !== undefined && target?.kind !== 'python') throw new UsageError('--snapshot is for a Python app: name one');
  if (values.mount.length > 0) {
    if (target?.kind !== 'python') throw new UsageError('--mount is for a Python app: name one');
    target.mounts = Object.fromEntries(values.mount.map(parseMount).map(({ host, at }) => [at, host]));
  }
  return {
    spec,
    target,
    host: values.host,
    port: integer('--port', values.port, 0, 65535),
    workers: integer('--workers', values.workers, 1, 1024),
    maxRestarts: integer('--max-restarts', values['max-restarts'], 0, 1_000_000),
  };
}

function integer(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${option} must be ${min} to ${max} (got ${JSON.stringify(text)})`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const command = parseCommand(argv);
  if (command === undefined) {
    console.log(USAGE);
    return;
  }
  if ('build' in command) {
    await runBuild(command.build);
    return;
  }
  if ('snapshot' in command) {
    const { app, path, out } = command.snapshot;
    const { snapshotPythonApp } = await import('./python/index.ts');
    const started = Date.now();
    const header = await snapshotPythonApp({ app, path }, out);
    console.log(`Wrote ${out}: ${app} with ${Object.keys(header.sources).length} source files imported, Pyodide ${header.pyodide}, in ${Date.now() - started} ms`);
    return;
  }
  const { target, host, port, workers } = command;
  if (workers > 1 && cluster.isPrimary) {
    const label = target?.kind === 'python' ? target.label : command.spec ?? 'demoApp';
    process.exitCode = await runPrimary({ workers, host, port, label, maxRestarts: command.maxRestarts });
  } else {
    await serveProcess(target, { host, port, workers });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
    console.error((error as Error).message);
    process.exitCode = 2;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
  // A worker's channel to the primary would keep it alive.
  if (cluster.isWorker) process.exit();
});
