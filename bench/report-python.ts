/**
 * The Python section of bench/results.md and of the README table: each Python app on wsgi-edge (Pyodide)
 * and on CPython's servers, the generator stream, the start-up figures and the Lambda figures, and
 * issue 14's targets against them. Only measured figures are shown; a line not measured says why.
 * @module
 */

import { fmt, median, NOT_MEASURED, streamGrowth, streamHeader, streamRow, table } from './markdown.ts';
import type { ColdStartLine, PythonAppResult, PythonSection, Results, ThroughputCell } from './types.ts';

/** Issue 14's targets. */
export const PYTHON_TARGET = { seedVsGunicorn: 1, flaskVsGunicorn: 0.5, seedSnapshotMs: 500, flaskSnapshotMs: 1000, rssMiB: 150 };

function cell(app: PythonAppResult, server: string): ThroughputCell | undefined {
  return app.throughput.find((c) => c.server === server);
}

const WSGI_EDGE_SERVERS = ['wsgi-edge-node', 'wsgi-edge-deno'];

/** The "## Python apps" section of results.md. */
export function renderPythonResults(results: Results): string {
  const python = results.python;
  const config = results.config;
  const out: string[] = [];
  out.push('## Python apps: wsgi-edge over Pyodide against CPython\'s servers\n');
  if (!python.measured) {
    out.push(`**${NOT_MEASURED}**: ${python.reason}\n`);
    return out.join('\n');
  }
  out.push([
    `- **Same app, same core**: each app is served by wsgi-edge over Pyodide ${python.pyodideVersions.join(' and ')} (the Node simple server and \`deno serve\`, through \`loadPythonApp()\`; ` +
      'the same server bundles under each, copied beside a `node_modules/pyodide` of that version) ' +
      `and by CPython (\`${python.cpython.command}\`, Python ${python.cpython.version}) on gunicorn (one sync worker), waitress (one thread, and its default of four) ` +
      'and `wsgiref.simple_server`, all pinned to the server core, with the same wrk method and rotation as above, ' +
      `but a warm-up of ${config.pythonWarmup} s for every server (a fresh Pyodide's wasm is still being optimized after 1 s of load). Flask is the same package files on both sides ` +
      `(${python.flaskSite === undefined ? 'those CPython imports' : `those of a folder given as \`BENCH_FLASK_SITE\`, put first on CPython's path`}, copied into a folder Pyodide mounts: ` +
      `${Object.entries(python.cpython.packages).map(([n, v]) => `${n} ${v}`).join(', ')}). ` +
      'gunicorn\'s sync worker and wsgiref close the connection after each response, so wrk reconnects for every request there. ' +
      'CPU is counted over the server\'s whole process tree (gunicorn: master and worker); RSS is the serving process\'s (gunicorn: its worker) after the runs.',
    `- **Streaming**: \`/stream/gen\` of the seed's app wrapped by bench/apps/python/seed_bench.py: ${config.pythonStreamMiB} MiB from a Python generator ` +
      `of 64 KiB \`bytes\` chunks, downloaded as above but ${config.pythonStreamRounds} counted times from each; the baseline is gunicorn.`,
    `- **Cold start**: a fresh server process (wsgi-edge with and without the app's memory snapshot; \`wsgi-edge build deno\` folders under the \`deno serve\` line the build prints), asked for \`/encode?mystring=hello\` every 5 ms from its spawn until it answers 200 with the page, ${config.coldStartRuns} run(s) each, ` +
      'servers alternated; RSS of the serving process right after that first answer.',
    '- **Lambda**: the seed\'s Python app behind wsgi-edge\'s `handle()` in-process, against its TypeScript port (app/base64-app.ts) on the same events (tinybench, interleaved, as above); ' +
      'the package: the zip `wsgi-edge build lambda` makes (index.mjs, Pyodide\'s runtime files, the bridge\'s Python half, the app\'s folders, with and without the memory snapshot); ' +
      'cold start: a fresh aws-lambda-ric process running `index.handler` against the tests\' Runtime API server, from its spawn to the answer of its first invocation (init and the first invoke), checked.',
  ].join('\n') + '\n');

  for (const app of python.apps) {
    out.push(`### ${app.label}: \`${app.spec}\`, \`/encode?mystring=hello\`\n`);
    const gunicorn = cell(app, 'gunicorn');
    const rows = app.servers.filter((s) => s.measured).map((server) => {
      const c = cell(app, server.id);
      if (!c) return [server.label, NOT_MEASURED, '—', '—', '—', '—', '—', '—', ''];
      return [server.label, fmt.int(c.rps), gunicorn ? fmt.ratio(c.rps / gunicorn.rps) : '—', fmt.ms(c.p50Ms), fmt.ms(c.p99Ms),
        fmt.us(c.cpuUsPerRequest), gunicorn ? fmt.ratio(gunicorn.cpuUsPerRequest / c.cpuUsPerRequest) : '—', fmt.int(server.rssMiB ?? Number.NaN),
        c.runs.join(', ') + (c.errors ? ` (${c.errors} socket errors)` : '') + (c.non2xx ? ` (${c.non2xx} non-2xx)` : '')];
    });
    if (rows.length) out.push(table(['Server', 'req/s', '× gunicorn', 'p50 ms', 'p99 ms', 'CPU µs/req', 'gunicorn CPU ÷ this CPU', 'RSS MiB', 'req/s of each run'], rows));
    for (const server of app.servers.filter((s) => !s.measured)) out.push(`- ${server.label}: **${NOT_MEASURED}**: ${server.reason}\n`);
    out.push('');
  }

  out.push(`### Streaming ${config.pythonStreamMiB} MiB from a Python generator\n`);
  const base = python.streaming.find((s) => s.baseline && s.measured);
  out.push(table(streamHeader('Server', '× gunicorn'), python.streaming.map((s) => streamRow(s, base))));

  out.push('### Cold start: process start to the first 200\n');
  out.push(table(['App', 'Server', 'memory snapshot', 'ms (median)', 'ms of each run', 'RSS after the first answer, MiB (median)'], python.coldStart.map((line) => line.measured
    ? [line.app, line.label, line.snapshot ? 'yes' : 'no', fmt.int(median(line.ms)), line.ms.map((n) => Math.round(n)).join(', '), fmt.int(median(line.rssMiB))]
    : [line.app, line.label, line.snapshot ? 'yes' : 'no', NOT_MEASURED, line.reason ?? '', '—'])));

  out.push('Memory snapshots (`snapshotPythonApp`, what `wsgi-edge snapshot` writes; the snapshot lines start from them): ' +
    python.snapshots.map((s) => `${s.app} (Pyodide ${s.pyodide}) ${s.measured ? `${fmt.mib(s.bytes! / 2 ** 20)} MiB, made in ${fmt.int(s.makeMs!)} ms` : `${NOT_MEASURED} (${s.reason ?? ''})`}`).join('; ') + '.\n');

  out.push('### AWS Lambda, Python app\n');
  const lambda = results.lambda.python;
  if (!lambda?.measured) {
    out.push(`Per event: **${NOT_MEASURED}**: ${lambda?.reason ?? results.lambda.reason ?? 'not run'}\n`);
  } else {
    out.push(table(['Event', 'status (Python / TypeScript)', 'same answer', 'Python app µs', 'TypeScript port µs', 'Python ÷ TypeScript'],
      (lambda.events ?? []).map((e) => [e.event, `${e.pythonStatus} / ${e.typescriptStatus}`, e.sameAnswer ? 'yes' : '**no**', fmt.us(e.pythonUs), fmt.us(e.typescriptUs), fmt.ratio(e.pythonUs / e.typescriptUs)])));
  }
  out.push(table(['Package', 'zip MiB', 'unzipped MiB', 'init + first invoke ms (median)', 'ms of each run'], python.lambdaPackage.map((p) => p.measured
    ? [p.label, fmt.mib(p.zipBytes! / 2 ** 20), fmt.mib(p.unzippedBytes! / 2 ** 20), fmt.int(median(p.initMs ?? [])), (p.initMs ?? []).map((n) => Math.round(n)).join(', ')]
    : [p.label, NOT_MEASURED, '—', '—', p.reason ?? ''])));

  out.push('### Cloudflare Workers, Python app\n');
  out.push('`wsgi-edge build cloudflare` folders bundled by `wrangler deploy --dry-run`, each run in a fresh workerd (miniflare). ' +
    'Global scope: the bundle\'s top level, timed inside the Worker (Workers allow 1 s). First request: Python started or restored inside it. Memory: the isolate after ' +
    '1,000 requests, over the V8 inspector (Workers allow 128 MB).\n');
  out.push(table(['Worker', 'upload MiB', 'global scope ms (median)', 'first request ms (median)', 'JS heap used / total MiB', 'ArrayBuffers MiB', 'wasm memory MiB'],
    python.workersPackage.map((w) => w.measured
      ? [w.label, fmt.mib(w.uploadBytes! / 2 ** 20), w.globalScopeMs ? fmt.int(median(w.globalScopeMs)) : '—', w.firstRequestMs ? fmt.int(median(w.firstRequestMs)) : '—',
        w.memory ? `${fmt.mib(w.memory.jsHeapUsedMiB)} / ${fmt.mib(w.memory.jsHeapTotalMiB)}` : '—', w.memory ? fmt.mib(w.memory.arrayBuffersMiB) : '—', w.memory ? fmt.mib(w.memory.wasmMemoryMiB) : '—']
      : [w.label, NOT_MEASURED, '—', '—', '—', '—', w.reason ?? ''])));
  return out.join('\n');
}

function coldStart(python: PythonSection, app: PythonAppResult['id'], server: string, snapshot: boolean): ColdStartLine | undefined {
  return python.coldStart.find((l) => l.app === app && l.server === server && l.snapshot === snapshot);
}

/** Issue 14's targets against this run's figures: [target, figure, met?]. */
export function pythonTargets(results: Results): string[][] {
  const python = results.python;
  const verdict = (ok: boolean | undefined) => (ok === undefined ? NOT_MEASURED : ok ? 'yes' : '**no**');
  const rows: string[][] = [];
  const versus = (appId: PythonAppResult['id'], target: number, what: string) => {
    const app = python.apps.find((a) => a.id === appId);
    const w = app && cell(app, 'wsgi-edge-node');
    const g = app && cell(app, 'gunicorn');
    rows.push([`Python: ${what} on wsgi-edge/Node ≥ ${target} × gunicorn's req/s`, w && g ? `${fmt.int(w.rps)} against ${fmt.int(g.rps)} req/s: ${fmt.ratio(w.rps / g.rps)} × (CPU ${fmt.us(w.cpuUsPerRequest)} against ${fmt.us(g.cpuUsPerRequest)} µs/req)` : NOT_MEASURED,
      verdict(w && g ? w.rps / g.rps >= target : undefined)]);
  };
  versus('seed', PYTHON_TARGET.seedVsGunicorn, "the seed's app");
  versus('flask', PYTHON_TARGET.flaskVsGunicorn, 'the Flask app');
  for (const [appId, limit] of [['seed', PYTHON_TARGET.seedSnapshotMs], ['flask', PYTHON_TARGET.flaskSnapshotMs]] as const) {
    const lines = WSGI_EDGE_SERVERS.map((server) => coldStart(python, appId, server, true)).filter((l): l is ColdStartLine => l !== undefined && l.measured);
    const without = WSGI_EDGE_SERVERS.map((server) => coldStart(python, appId, server, false)).filter((l): l is ColdStartLine => l !== undefined && l.measured);
    const figure = lines.length
      ? lines.map((l) => `${l.label}: ${fmt.int(median(l.ms))} ms`).join('; ')
      : `no snapshot line${without.length ? ` (without one: ${without.map((l) => `${l.label} ${fmt.int(median(l.ms))} ms`).join('; ')})` : ''}`;
    rows.push([`Python: cold start of ${appId === 'seed' ? "the seed's app" : 'the Flask app'} with a snapshot < ${limit} ms`, figure,
      verdict(lines.length ? lines.every((l) => median(l.ms) < limit) : undefined)]);
  }
  const rss: { label: string; mib: number }[] = [];
  for (const app of python.apps) {
    for (const server of app.servers.filter((s) => WSGI_EDGE_SERVERS.includes(s.id) && s.rssMiB !== undefined)) rss.push({ label: `${app.id} ${server.label}`, mib: server.rssMiB! });
  }
  for (const line of python.coldStart.filter((l) => WSGI_EDGE_SERVERS.includes(l.server) && l.measured)) {
    rss.push({ label: `${line.app} ${line.label}${line.snapshot ? ' (snapshot)' : ''} after its first answer`, mib: median(line.rssMiB) });
  }
  const worst = rss.reduce<{ label: string; mib: number } | undefined>((a, b) => (a && a.mib >= b.mib ? a : b), undefined);
  rows.push([`Python: RSS per wsgi-edge process < ${PYTHON_TARGET.rssMiB} MiB`,
    worst ? `${fmt.int(Math.min(...rss.map((r) => r.mib)))}–${fmt.int(worst.mib)} MiB (highest: ${worst.label})` : NOT_MEASURED,
    verdict(worst ? worst.mib < PYTHON_TARGET.rssMiB : undefined)]);
  return rows;
}

/** The README's Python rows. */
export function renderPythonReadme(results: Results): string {
  const python = results.python;
  const out: string[] = [];
  if (!python.measured) return `Python apps: ${NOT_MEASURED} (${python.reason ?? ''}).\n`;
  const rows: string[][] = [];
  for (const app of python.apps) {
    const gunicorn = cell(app, 'gunicorn');
    for (const server of app.servers) {
      const c = cell(app, server.id);
      rows.push([app.id === 'seed' ? "seed's app" : 'Flask', server.label,
        c ? fmt.int(c.rps) : NOT_MEASURED, c && gunicorn ? fmt.ratio(c.rps / gunicorn.rps) : '—', c ? fmt.us(c.cpuUsPerRequest) : '—', fmt.int(server.rssMiB ?? Number.NaN)]);
    }
  }
  out.push(table(['Python app', 'Server', '`/encode` req/s', '× gunicorn', 'CPU µs/req', 'RSS MiB'], rows));
  const notServed = python.apps.flatMap((app) => app.servers.filter((s) => !s.measured).map((server) => ({ app: app.id, server })));
  if (notServed.length) {
    out.push(`Not measured (nor its cold start): ${notServed.map(({ app, server }) => `${app === 'seed' ? "the seed's app" : 'Flask'} on ${server.label}: ${server.reason ?? ''}`).join('; ')}.\n`);
  }
  const served = (line: ColdStartLine) => !notServed.some(({ app, server }) => app === line.app && server.id === line.server);
  const base = python.streaming.find((s) => s.baseline && s.measured);
  out.push(`Streaming ${results.config.pythonStreamMiB} MiB from a Python generator: ` + python.streaming.map((s) => s.measured
    ? `${s.label} ${fmt.int(median(s.mbps))} MB/s${base && !s.baseline ? ` (${fmt.ratio(median(s.mbps) / median(base.mbps))} × gunicorn)` : ''}, RSS +${streamGrowth(s)} MiB (first download in brackets)`
    : `${s.label} ${NOT_MEASURED}`).join('; ') + '.\n');
  const coldRows: string[][] = [];
  for (const app of ['seed', 'flask'] as const) {
    const gunicorn = python.coldStart.find((l) => l.app === app && l.server === 'gunicorn' && l.measured);
    const versus = (ms: number) => (gunicorn ? fmt.ratio(ms / median(gunicorn.ms)) : '—');
    for (const line of python.coldStart.filter((l) => l.app === app && served(l))) {
      const ms = line.measured ? median(line.ms) : Number.NaN;
      coldRows.push([app === 'seed' ? "seed's app" : 'Flask', line.label + (line.snapshot ? ', from its snapshot' : ''),
        line.measured ? fmt.int(ms) : NOT_MEASURED, line.measured ? versus(ms) : '—', line.measured ? fmt.int(median(line.rssMiB)) : '—']);
    }
    const label = app === 'seed' ? "the seed's app" : 'the Flask app';
    for (const pkg of python.lambdaPackage.filter((p) => p.label.startsWith(label))) {
      const ms = pkg.measured ? median(pkg.initMs ?? []) : Number.NaN;
      coldRows.push([app === 'seed' ? "seed's app" : 'Flask', `wsgi-edge build lambda (${pkg.measured ? `${fmt.mib(pkg.zipBytes! / 2 ** 20)} MiB zip` : 'zip'}), aws-lambda-ric, init + first invoke${pkg.label.endsWith('no snapshot') ? '' : ', from its snapshot'}`,
        pkg.measured ? fmt.int(ms) : NOT_MEASURED, pkg.measured ? versus(ms) : '—', '—']);
    }
  }
  for (const worker of python.workersPackage.filter((w) => w.app !== 'django' && w.firstRequestMs)) {
    const ms = worker.measured ? median(worker.globalScopeMs!) + median(worker.firstRequestMs!) : Number.NaN;
    const gunicorn = python.coldStart.find((l) => l.app === worker.app && l.server === 'gunicorn' && l.measured);
    coldRows.push([worker.app === 'seed' ? "seed's app" : 'Flask', `wsgi-edge build cloudflare, workerd, global scope + first request${worker.snapshot ? ', from its snapshot' : ''}`,
      worker.measured ? fmt.int(ms) : NOT_MEASURED, worker.measured && gunicorn ? fmt.ratio(ms / median(gunicorn.ms)) : '—', '—']);
  }
  out.push(`Cold start, process start to the first 200 (median of ${results.config.coldStartRuns}):\n`);
  out.push(table(['Python app', 'Server', 'ms', '× gunicorn', 'RSS MiB'], coldRows));
  const events = results.lambda.python?.events ?? [];
  out.push(`Lambda, Python app: ${events.length ? `\`handle()\` per event ${fmt.us(median(events.map((e) => e.pythonUs)))} µs against ${fmt.us(median(events.map((e) => e.typescriptUs)))} µs for its TypeScript port (medians over ${events.length} events)` : `per event ${NOT_MEASURED}`}.\n`);
  return out.join('\n');
}
