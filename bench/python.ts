/**
 * The Python section of `npm run bench`: the seed's Python app (app/wsgi_app.py) and a Flask app on
 * wsgi-edge over Pyodide (the Node simple server and `deno serve`) and on CPython's own servers
 * (gunicorn with one sync worker, waitress with one thread and with its default four, wsgiref), all
 * pinned to the server core; a 256 MiB generator body on wsgi-edge and gunicorn; then the start-up
 * figures (./python-start.ts). Flask runs from the same package files on both sides: the ones the
 * CPython interpreter imports, copied into a folder Pyodide mounts.
 * @module
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PYODIDE_VERSIONS, type PyodideVersion } from '../test/helpers/pyodide-versions.ts';
import type { BenchConfig } from './config.ts';
import { encodePage, ROUTES } from './apps/shared.ts';
import { log, procStatusBytes, processTree, startServer, stopServer, type Server } from './lib.ts';
import { checkAnswers, measureStreams, measureThroughput, type Contender, type StreamSpec } from './measure.ts';
import { coldStarts, denoArtifacts, lambdaPackages, type BuildableApp, type StartCommand } from './python-start.ts';
import { workersPackages } from './workers-start.ts';
import { APPS_DIR, copyPurePython, FRAMEWORKS } from '../test/frameworks/frameworks.ts';
import type { PythonAppResult, PythonSection, PythonServerId, PythonServerResult, SnapshotLine } from './types.ts';

export interface PythonPaths {
  /** The repository's root. */
  root: string;
  /** dist/bench: the built servers. */
  built: string;
  deno: string;
  buildFailures: Readonly<Record<string, string>>;
  /**
   * A folder holding Flask and the packages it imports (`pip install --target DIR flask`, say), taken
   * instead of the ones `python3` imports: `BENCH_FLASK_SITE`. A current Flask runs under Pyodide 314,
   * where Debian 12's Werkzeug 2.2 does not (`ast.Str` is gone from Python 3.14).
   */
  flaskSite?: string;
}

/** The CPython the reference servers run on. */
export interface CPython {
  command: string;
  version: string;
  /** Versions of the packages it imports, of those the section uses. */
  packages: Record<string, string>;
}

/** What the CPython servers and the Flask app need, each from its Debian package. */
const PACKAGES = { gunicorn: 'gunicorn', waitress: 'python3-waitress', flask: 'python3-flask' } as const;
type Package = keyof typeof PACKAGES;

/**
 * The first `python3` that imports gunicorn, waitress and Flask: the one on PATH, else Debian's, which
 * is where `apt-get install gunicorn python3-waitress python3-flask` puts them (and what gunicorn's own
 * script runs). Without either, the one that has the most, and the lines needing the rest say so.
 */
export function findCPython(): CPython {
  const probe = [
    'import json, sys, importlib.metadata as m',
    'found = {}',
    `for name in ${JSON.stringify(Object.keys(PACKAGES))} + ['werkzeug']:`,
    '    try: found[name] = m.version(name)',
    '    except Exception: pass',
    "print(json.dumps({'version': sys.version.split()[0], 'packages': found}))",
  ].join('\n');
  let best: CPython | undefined;
  for (const command of ['python3', '/usr/bin/python3']) {
    const result = spawnSync(command, ['-c', probe], { encoding: 'utf8' });
    if (result.status !== 0) continue;
    const found = { command, ...(JSON.parse(result.stdout) as Omit<CPython, 'command'>) };
    const count = (python: CPython) => Object.keys(PACKAGES).filter((name) => python.packages[name]).length;
    if (!best || count(found) > count(best)) best = found;
    if (count(found) === Object.keys(PACKAGES).length) break;
  }
  return best ?? { command: 'python3', version: 'not found', packages: {} };
}

function missing(cpython: CPython, name: Package): string | undefined {
  return cpython.packages[name] ? undefined : `${cpython.command} does not import ${name} (apt-get install ${PACKAGES[name]})`;
}

/**
 * Copies the packages Flask needs, as `cpython` imports them (with `from` first on its path, if given),
 * into `site`, for Pyodide to mount: the same Flask on both sides, since the CPython servers get `site`
 * on their path too. C speed-ups (MarkupSafe's) are left out: Pyodide cannot load CPython's, and the
 * package falls back to its pure-Python code. Returns the copied packages' versions.
 */
export function copyFlask(cpython: CPython, site: string, from?: string): Record<string, string> {
  const script = [
    'import importlib.metadata, importlib.util, json',
    'found, versions = [], {}',
    "for name in ['flask', 'werkzeug', 'jinja2', 'markupsafe', 'itsdangerous', 'click', 'blinker']:",
    '    spec = importlib.util.find_spec(name)',
    '    if spec and spec.submodule_search_locations: found.append(spec.submodule_search_locations[0])',
    "    if name in ('flask', 'werkzeug'): versions[name] = importlib.metadata.version(name)",
    "print(json.dumps({'found': found, 'versions': versions}))",
  ].join('\n');
  const env = from === undefined ? process.env : { ...process.env, PYTHONPATH: from };
  const result = spawnSync(cpython.command, ['-c', script], { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`cannot locate Flask's packages${from === undefined ? '' : ` in ${from}`}: ${result.stderr.trim().slice(-300)}`);
  const { found, versions } = JSON.parse(result.stdout) as { found: string[]; versions: Record<string, string> };
  if (from !== undefined && !(found[0] !== undefined && basename(found[0]) === 'flask' && resolve(found[0]).startsWith(`${resolve(from)}/`))) {
    throw new Error(`BENCH_FLASK_SITE=${from} holds no flask package`);
  }
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  for (const folder of found) {
    cpSync(folder, join(site, basename(folder)), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__') && !source.endsWith('.so'),
    });
  }
  return versions;
}

interface PythonApp {
  id: PythonAppResult['id'];
  label: string;
  spec: string;
  /** Folders put first on sys.path (PYTHONPATH for CPython, mounted into Pyodide). */
  path: string[];
  unavailable?: string;
}

/** The server bundles that load a Python app (bench/build.mjs), and the bridge's Python half `loadPythonApp()` reads beside them. */
const PYTHON_BUNDLES = ['node-python.js', 'deno-python.js', 'python-snapshot.js', 'wsgi_edge_bridge.py'];

/** A supported Pyodide (test/helpers/pyodide-versions.ts) and the folder whose Python bundles run it. */
export interface PlacedPyodide {
  version: PyodideVersion;
  dir: string;
  /** What its wsgi-edge lines' ids end with: nothing for the default, `-314` for 314. */
  suffix: '' | `-${string}`;
}

/**
 * Every supported Pyodide, the default first, each with the folder its wsgi-edge lines run from: dist/bench
 * itself for the default (the bundles' `import('pyodide')` resolves the repository's), else a folder of
 * copies of the same bundles beside a `node_modules/pyodide` that is that version, as a user who
 * installed it has. Only Pyodide differs between the lines.
 */
export function placePyodides(built: string): PlacedPyodide[] {
  return PYODIDE_VERSIONS.map((version) => {
    if (version.isDefault) return { version, dir: built, suffix: '' };
    const dir = join(built, `pyodide-${version.name}`);
    rmSync(dir, { recursive: true, force: true });
    besidePyodide(dir, version);
    for (const file of PYTHON_BUNDLES.filter((name) => existsSync(join(built, name)))) copyFileSync(join(built, file), join(dir, file));
    return { version, dir, suffix: `-${version.name}` };
  });
}

/** Makes the bundles in `dir` import `version` as `pyodide`: a `node_modules/pyodide` link to it. */
export function besidePyodide(dir: string, version: PyodideVersion): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  // A package.json of its own: `deno serve` resolves bare specifiers through the node_modules beside the nearest one.
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type: 'module' })}\n`);
  symlinkSync(realpathSync(version.folder), join(dir, 'node_modules', 'pyodide'), 'dir');
}

interface PythonServerSpec extends Contender {
  id: PythonServerId;
  /** The Pyodide a wsgi-edge line runs (none for CPython's servers). */
  pyodide?: PlacedPyodide;
  /** The dist/bench bundle it needs. */
  needs?: string;
  package?: Package;
  /** The command that starts it serving `app`. */
  command: (app: PythonApp) => StartCommand;
  /** Serves from a child process (gunicorn's worker): memory is read there, CPU over both. */
  worker?: boolean;
}

export function pythonServers(paths: PythonPaths, cpython: CPython, pyodides: readonly PlacedPyodide[]): PythonServerSpec[] {
  const pythonEnv = (app: PythonApp) => ({ PYTHONPATH: app.path.join(':') });
  const pyodideEnv = (app: PythonApp) => ({ BENCH_PY_APP: app.spec, BENCH_PY_PATH: app.path.join(':') });
  const wsgiEdge = (pyodide: PlacedPyodide): PythonServerSpec[] => [
    {
      id: `wsgi-edge-node${pyodide.suffix}`, label: `wsgi-edge, Node simple server (Pyodide ${pyodide.version.version})`, needs: 'node-python', pyodide,
      command: (app) => ({ command: process.execPath, args: [join(pyodide.dir, 'node-python.js')], env: pyodideEnv(app) }),
    },
    {
      id: `wsgi-edge-deno${pyodide.suffix}`, label: `wsgi-edge, deno serve (Pyodide ${pyodide.version.version})`, needs: 'deno-python', pyodide,
      command: (app) => ({
        command: paths.deno,
        args: ['serve', '--quiet', '--no-check', '--allow-read', '--allow-env', '--host', '127.0.0.1', '--port', '__PORT__', join(pyodide.dir, 'deno-python.js')],
        env: pyodideEnv(app),
      }),
    },
  ];
  return [
    ...pyodides.flatMap(wsgiEdge),
    {
      id: 'gunicorn', label: 'gunicorn, 1 sync worker', package: 'gunicorn', closesConnections: true, worker: true,
      command: (app) => ({
        command: cpython.command,
        args: ['-m', 'gunicorn', '--workers', '1', '--worker-class', 'sync', '--bind', '127.0.0.1:__PORT__', '--log-level', 'warning', app.spec],
        env: pythonEnv(app),
      }),
    },
    {
      id: 'waitress-1', label: 'waitress, 1 thread', package: 'waitress',
      command: (app) => ({ command: cpython.command, args: ['-m', 'waitress', '--host=127.0.0.1', '--port=__PORT__', '--threads=1', app.spec], env: pythonEnv(app) }),
    },
    {
      id: 'waitress', label: 'waitress, default (4 threads)', package: 'waitress',
      command: (app) => ({ command: cpython.command, args: ['-m', 'waitress', '--host=127.0.0.1', '--port=__PORT__', app.spec], env: pythonEnv(app) }),
    },
    {
      id: 'wsgiref', label: 'CPython wsgiref.simple_server', closesConnections: true,
      command: (app) => ({ command: cpython.command, args: [join(paths.root, 'bench', 'servers', 'python_wsgiref.py'), '__PORT__', app.spec], env: pythonEnv(app) }),
    },
  ];
}

/** Why `spec` cannot serve `app` here, if it cannot. */
function unavailable(spec: PythonServerSpec, app: PythonApp, paths: PythonPaths, cpython: CPython): string | undefined {
  if (spec.needs && paths.buildFailures[spec.needs]) return `not built: ${paths.buildFailures[spec.needs]}`;
  if (spec.package) {
    const absent = missing(cpython, spec.package);
    if (absent) return absent;
  }
  return app.unavailable;
}

async function start(spec: PythonServerSpec, app: PythonApp): Promise<Server> {
  const { command, args, env } = spec.command(app);
  const server = await startServer(`${spec.id} ${app.id}`, command, args, { env, cpuOfTree: spec.worker === true });
  return server;
}

/**
 * Why a server did not start serving, in one line: where it could not load the app, the loader's own
 * message without the stack, `sys.path` or colour codes (and under which Pyodide), else the start of the error.
 */
function startFailure(error: Error, spec: PythonServerSpec): string {
  const plain = error.message.replace(/\x1b\[[0-9;]*m/g, '');
  const load = /wsgi-edge: (cannot load the Python app .*?)(?:; sys\.path is|\n|$)/.exec(plain)?.[1];
  if (!load) return plain.slice(0, 300);
  return spec.pyodide ? `under Pyodide ${spec.pyodide.version.version} (Python ${spec.pyodide.version.python}), ${load}` : load;
}

/** The process that answers: gunicorn's worker (its master's first child), else the server itself. */
export function servingPid(server: Server, worker: boolean): number {
  return worker ? (processTree(server.child.pid!)[1] ?? server.pid) : server.pid;
}

export async function benchPython(paths: PythonPaths, config: BenchConfig): Promise<PythonSection> {
  log('== Python apps');
  const cpython = findCPython();
  const section: PythonSection = {
    measured: true,
    cpython,
    pyodide: pyodideVersion(paths.root),
    pyodideVersions: PYODIDE_VERSIONS.map((version) => version.version),
    apps: [],
    streaming: [],
    snapshots: [],
    coldStart: [],
    lambdaPackage: [],
    workersPackage: [],
  };
  if (cpython.version === 'not found') log(`  no python3 found: the CPython lines will say so`);
  const site = join(paths.built, 'python-site');
  let flaskMissing = paths.flaskSite === undefined ? missing(cpython, 'flask') : undefined;
  if (!flaskMissing) {
    try {
      const versions = copyFlask(cpython, site, paths.flaskSite);
      // The report names the Flask both sides ran.
      section.cpython = { ...cpython, packages: { ...cpython.packages, ...versions } };
      if (paths.flaskSite !== undefined) {
        section.flaskSite = paths.flaskSite;
        log(`  Flask from BENCH_FLASK_SITE=${paths.flaskSite}: ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(', ')}`);
      }
    } catch (error) {
      flaskMissing = (error as Error).message;
    }
  }
  const benchApps = join(paths.root, 'bench', 'apps', 'python');
  const apps: PythonApp[] = [
    { id: 'seed', label: "The seed's app (app/wsgi_app.py)", spec: 'seed_bench:application', path: [benchApps, join(paths.root, 'app')] },
    { id: 'flask', label: 'Flask app (bench/apps/python/flask_bench.py)', spec: 'flask_bench:application', path: [benchApps, site], unavailable: flaskMissing },
  ];
  const pyodides = placePyodides(paths.built);
  const specs = pythonServers(paths, cpython, pyodides);
  for (const app of apps) {
    const { result, up } = await benchApp(app, specs, paths, cpython, config);
    section.apps.push(result);
    try {
      if (app.id === 'seed') {
        const streams: StreamSpec[] = [
          { server: 'gunicorn', label: 'gunicorn, 1 sync worker', path: ROUTES.streamGen, baseline: true },
          { server: 'wsgi-edge-node', label: 'wsgi-edge, Node simple server', path: ROUTES.streamGen },
          { server: 'wsgi-edge-deno', label: 'wsgi-edge, deno serve', path: ROUTES.streamGen },
        ];
        section.streaming = await measureStreams(streams, up, (id) => result.servers.find((s) => s.id === id)?.reason,
          config.pythonStreamMiB, config.pythonStreamRounds);
      }
    } finally {
      await Promise.all([...up.values()].map(stopServer));
    }
  }
  /** Why `spec` did not serve `app` in the throughput runs (not available, or it failed to start): its other lines go without it too. */
  const refused = (spec: PythonServerSpec, app: PythonApp) =>
    section.apps.find((a) => a.id === app.id)?.servers.find((s) => s.id === spec.id && !s.measured)?.reason;
  const snapshots = makeSnapshots(apps, pyodides, paths, (app, pyodide) => refused(specs.find((s) => s.pyodide === pyodide)!, app));
  section.snapshots = [...snapshots.values()].map(({ file: _file, ...made }) => made);
  const starts: ColdStartSpec[] = [];
  for (const spec of specs.filter((s) => s.pyodide !== undefined || s.id === 'gunicorn')) {
    starts.push(spec);
    if (!spec.pyodide) continue;
    const snapshotOf = (app: PythonApp) => snapshots.get(snapshotKey(app, spec.pyodide!));
    starts.push({
      ...spec,
      snapshot: true,
      snapshotOf,
      command: (app) => {
        const command = spec.command(app);
        return { ...command, env: { ...command.env, BENCH_PY_SNAPSHOT: snapshotOf(app)?.file ?? '' } };
      },
    });
  }
  const builds = denoArtifacts(apps, paths);
  for (const snapshot of [true, false]) {
    starts.push({
      id: 'wsgi-edge-deno-build', label: 'wsgi-edge build deno, deno serve', snapshot,
      command: (app) => {
        const dir = builds.get(`${app.id}:${snapshot}`)!.dir;
        return { command: paths.deno, args: ['serve', '--quiet', `--allow-read=${dir}`, '--allow-env', '--host', '127.0.0.1', '--port', '__PORT__', join(dir, 'main.mjs')], env: {} };
      },
    });
  }
  section.coldStart = await coldStarts(apps, starts, (spec, app) => {
    if (spec.id === 'wsgi-edge-deno-build') return builds.get(`${app.id}:${spec.snapshot === true}`)?.reason;
    const reason = refused(spec, app) ?? unavailable(spec, app, paths, cpython);
    if (reason) return reason;
    const made = spec.snapshotOf?.(app);
    if (spec.snapshot && !made?.measured) return `no snapshot: ${made?.reason ?? 'not made'}`;
    return undefined;
  }, config.coldStartRuns);
  section.lambdaPackage = await lambdaPackages(apps, paths, config.coldStartRuns);
  section.workersPackage = await workersPackages(apps, [djangoApp(paths)], paths, config.coldStartRuns);
  return section;
}

type MadeSnapshot = SnapshotLine & { file: string };
type ColdStartSpec = PythonServerSpec & { snapshot?: boolean; snapshotOf?: (app: PythonApp) => MadeSnapshot | undefined };

/**
 * The framework suite's Django project (Debian's python3-django, copied as test/frameworks does), for
 * the Workers memory line: the largest app of the three, read with its tz database.
 */
function djangoApp(paths: PythonPaths): BuildableApp & { route: string } {
  const django = FRAMEWORKS.find(({ name }) => name === 'Django')!;
  const site = join(paths.built, 'python-site-django');
  const app = { id: 'django' as const, spec: django.app, path: [APPS_DIR, site], mounts: ['/usr/share/zoneinfo'], route: '/html?name=Zo%C3%AB' };
  try {
    rmSync(site, { recursive: true, force: true });
    mkdirSync(site, { recursive: true });
    copyPurePython(django.packages, site);
    return app;
  } catch (error) {
    return { ...app, unavailable: `Django not copied (apt-get install python3-django): ${(error as Error).message.slice(0, 200)}` };
  }
}

const snapshotKey = (app: PythonApp, pyodide: PlacedPyodide) => `${app.id}${pyodide.suffix}`;

/**
 * Each app's memory snapshot under each Pyodide (bench/servers/python-snapshot.ts, i.e. `snapshotPythonApp`, run beside
 * that Pyodide: a snapshot restores only in the Pyodide that made it), made once for the cold starts; not for an app
 * that `refused` says that Pyodide could not serve.
 */
function makeSnapshots(apps: readonly PythonApp[], pyodides: readonly PlacedPyodide[], paths: PythonPaths,
  refused: (app: PythonApp, pyodide: PlacedPyodide) => string | undefined): Map<string, MadeSnapshot> {
  log('-- memory snapshots');
  const made = new Map<string, MadeSnapshot>();
  for (const app of apps) for (const pyodide of pyodides) {
    const file = join(paths.built, `snapshot-${snapshotKey(app, pyodide)}.bin`);
    const line: MadeSnapshot = { app: app.id, pyodide: pyodide.version.version, measured: false, file };
    made.set(snapshotKey(app, pyodide), line);
    if (paths.buildFailures['python-snapshot']) line.reason = `not built: ${paths.buildFailures['python-snapshot']}`;
    else line.reason = app.unavailable ?? refused(app, pyodide);
    if (line.reason) continue;
    rmSync(file, { force: true });
    const started = performance.now();
    const result = spawnSync(process.execPath, [join(pyodide.dir, 'python-snapshot.js'), file], {
      env: { ...process.env, BENCH_PY_APP: app.spec, BENCH_PY_PATH: app.path.join(':') }, encoding: 'utf8',
    });
    if (result.status !== 0 || !existsSync(file)) {
      line.reason = `snapshotPythonApp failed (${result.status}): ${result.stderr.trim().slice(-300)}`;
      log(`  ${app.id}, Pyodide ${line.pyodide}: ${line.reason}`);
      continue;
    }
    line.measured = true;
    line.makeMs = performance.now() - started;
    line.bytes = statSync(file).size;
    log(`  ${app.id}, Pyodide ${line.pyodide}: ${(line.bytes / 2 ** 20).toFixed(1)} MiB, made in ${line.makeMs.toFixed(0)} ms`);
  }
  return made;
}

async function benchApp(app: PythonApp, specs: PythonServerSpec[], paths: PythonPaths, cpython: CPython, config: BenchConfig) {
  log(`-- ${app.label}`);
  const result: PythonAppResult = { id: app.id, label: app.label, spec: app.spec, servers: [], throughput: [] };
  const up = new Map<string, Server>();
  const workers = new Map<string, boolean>();
  for (const spec of specs) {
    const entry: PythonServerResult = { id: spec.id, label: spec.label, measured: false };
    result.servers.push(entry);
    entry.reason = unavailable(spec, app, paths, cpython);
    if (entry.reason) {
      log(`  ${spec.label}: not measured: ${entry.reason}`);
      continue;
    }
    try {
      const server = await start(spec, app);
      up.set(spec.id, server);
      await checkAnswers(server, { [ROUTES.encode]: encodePage('mystring=hello')! }, { seconds: config.pythonWarmup, connections: config.connections });
      server.pid = servingPid(server, spec.worker === true);
      workers.set(spec.id, spec.worker === true);
      entry.measured = true;
    } catch (error) {
      entry.reason = startFailure(error as Error, spec);
      log(`  ${spec.label}: not measured: ${entry.reason}`);
      const server = up.get(spec.id);
      up.delete(spec.id);
      if (server) await stopServer(server);
    }
  }
  result.throughput = await measureThroughput(specs, up, [{ name: 'encode', path: ROUTES.encode }], config);
  for (const entry of result.servers) {
    const server = up.get(entry.id);
    if (server) entry.rssMiB = procStatusBytes(server.pid, 'VmRSS') / 2 ** 20;
  }
  return { result, up };
}

function pyodideVersion(root: string): string {
  const file = join(root, 'node_modules', 'pyodide', 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'not installed';
}
