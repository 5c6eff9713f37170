/**
 * A start_response, write() or wsgi.errors that a Python app keeps past its request, used during a later
 * one (by the app, or by a generator's `finally` that Python's garbage collector runs then), under Pyodide:
 * the bridge names each request by a token, and a token whose request is over reaches no other request.
 * start_response and write raise one line naming the call; wsgi.errors text still reaches the log, as
 * whole lines of its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handle, type WsgiApp } from '../../src/index.ts';
import { loadPythonApp } from '../../src/python/index.ts';

const KEEPER = `
import gc

kept = {}


def outcome(use):
    try:
        use()
        return 'no error'
    except Exception as error:
        return f'{type(error).__name__}: {error}'


def lingering(write, errors, outcomes):
    try:
        yield b''
    finally:
        # Run by gc.collect() during /use, long after the request that made it.
        outcomes.append('finally write: ' + outcome(lambda: write(b'from finally')))
        errors.write('finally line\\n')


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path in ('/keep', '/keep-streamed'):
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        errors = environ['wsgi.errors']
        kept.update(start_response=start_response, write=write, errors=errors, outcomes=[])
        # Nothing but /use's gc.collect() may run the generator's finally.
        gc.disable()
        generator = lingering(write, errors, kept['outcomes'])
        next(generator)
        cycle = [generator]
        cycle.append(cycle)
        del cycle, generator
        if path == '/keep':
            return [b'kept']
        return iter([b'kept', b' streamed'])
    start_response('200 OK', [('Content-Type', 'text/plain')])
    gc.collect()
    gc.enable()
    environ['wsgi.errors'].write('own ')
    kept['errors'].write('late')
    outcomes = kept['outcomes']
    outcomes.append('start_response: ' + outcome(lambda: kept['start_response']('500 Wrong Request', [])))
    outcomes.append('write: ' + outcome(lambda: kept['write'](b'wrong body')))
    # A late whole line while this request holds a partial one: each stays a line of its own.
    kept['errors'].write(' line\\n')
    environ['wsgi.errors'].write('line\\n')
    kept['errors'].write('unflushed')
    kept['errors'].flush()
    return ['\\n'.join(outcomes).encode()]
`;

const OVER = 'was called after its request was over: the app kept it past the request';

describe('a start_response, write or wsgi.errors kept past its request, under Pyodide', () => {
  let app: WsgiApp;
  beforeAll(async () => {
    app = await loadPythonApp({ app: 'keeper', files: { 'keeper.py': KEEPER } });
  }, 60_000);

  it.each(['/keep', '/keep-streamed'])('after %s, reaches no later request: the calls raise, the text reaches the log in lines of its own', async (path) => {
    const kept = await handle(app, new Request(`http://python.test${path}`), { errors: () => undefined });
    expect(await kept.text()).toBe(path === '/keep' ? 'kept' : 'kept streamed');

    const log: string[] = [];
    const later = await handle(app, new Request('http://python.test/use'), { errors: (line) => log.push(line) });
    expect(later.status).toBe(200);
    expect((await later.text()).split('\n')).toEqual([
      `finally write: RuntimeError: write() ${OVER}`,
      `start_response: RuntimeError: start_response() ${OVER}`,
      `write: RuntimeError: write() ${OVER}`,
    ]);
    expect(log).toEqual(['finally line', 'late line', 'own line', 'unflushed']);
  });
});
