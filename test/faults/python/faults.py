"""The fault suite's Python fixture (test/faults): the routes of test/faults/apps.ts, and the faults only a
Python app has (bad types, a raising close(), SystemExit, a fatal interpreter error). Like apps.ts it
records, per id the test picks, how far a generator got and how many times close() ran, and reports it
at /state, so that tests read facts instead of timing. /whoami tells interpreters apart: a token drawn at
import and a count of the requests this interpreter answered. /os-environ shows os.environ.
"""
import json
import os
import sys

INTERPRETER = os.urandom(8).hex()
SLOW_CHUNK = 64 * 1024
served = 0
states = {}


def state(environ):
    key = query(environ).get('id', '')
    return states.setdefault(key, {'produced': 0, 'closes': 0, 'upload': None})


def query(environ):
    pairs = (item.partition('=') for item in environ['QUERY_STRING'].split('&') if item)
    return {name: value for name, _, value in pairs}


class Tracked:
    """An iterable whose close() is counted and logged (and raises, when asked to): the log line outlives
    an interpreter that stops serving, the count does not."""

    def __init__(self, environ, iterable, close_raises=False):
        self._label = f"{environ['PATH_INFO']}?{environ['QUERY_STRING']}"
        self._record = state(environ)
        self._iterator = iter(iterable)
        self._close_raises = close_raises

    def __iter__(self):
        return self._iterator

    def close(self):
        self._record['closes'] += 1
        print(f'fault fixture: close() ran for {self._label}', file=sys.stderr)
        if self._close_raises:
            raise RuntimeError('fault-in-close')


def text(start_response, body, status='200 OK', content_type='text/plain'):
    start_response(status, [('Content-Type', content_type)])
    return [body.encode()]


def slow(environ, start_response):
    record = state(environ)
    chunks = min(int(query(environ).get('chunks', '16')), 4096)

    def generate():
        for i in range(chunks):
            record['produced'] += 1
            yield bytes([i & 0xff]) * SLOW_CHUNK

    headers = [('Content-Type', 'application/octet-stream')]
    # ?length=1: with its Content-Length, which a server may write straight from the chunk rather than
    # copy into chunked framing.
    if query(environ).get('length') == '1':
        headers.append(('Content-Length', str(chunks * SLOW_CHUNK)))
    start_response('200 OK', headers)
    return Tracked(environ, generate())


def upload(environ, start_response):
    record = state(environ)
    body = environ['wsgi.input'].read()
    record['upload'] = {'state': 'done', 'length': len(body)}
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, [f'read {len(body)}'.encode()])


def error_before(environ, start_response):
    raise RuntimeError('fault-before-headers')


def error_after(environ, start_response):
    def generate():
        yield b'partial'
        raise RuntimeError('fault-after-headers')

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, generate())


def close_raises(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, [b'complete body'], close_raises=True)


def bad_status(environ, start_response):
    start_response(200, [('Content-Type', 'text/plain')])
    return [b'never sent']


def bad_header(environ, start_response):
    start_response('200 OK', [('X-Count', 1)])
    return [b'never sent']


def str_body(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['fault-str-body']


def str_chunk(environ, start_response):
    def generate():
        yield b'bytes first'
        yield 'fault-str-chunk'

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, generate())


def exit_before(environ, start_response):
    sys.exit(3)


def exit_after(environ, start_response):
    def generate():
        yield b'partial'
        sys.exit(4)

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, generate())


def overflow_wasm_stack():
    # Python frames live on the heap; C recursion (the json encoder here) runs on the wasm stack.
    sys.setrecursionlimit(10 ** 7)
    nested = []
    for _ in range(10 ** 6):
        nested = [nested]
    return json.dumps(nested).encode()


def overflow_before(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [overflow_wasm_stack()]


def overflow_after(environ, start_response):
    def generate():
        # Past the 64 KiB the gateway pulls at once, so the headers and this chunk are sent before the overflow.
        yield b'partial' + b'.' * (64 * 1024)
        yield overflow_wasm_stack()

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return Tracked(environ, generate())


def host_pid():
    try:
        import js
        return js.process.pid
    except (ImportError, AttributeError):
        return None


def whoami(environ, start_response):
    body = json.dumps({'interpreter': INTERPRETER, 'served': served, 'pid': host_pid(),
                       'multiprocess': environ['wsgi.multiprocess'], 'path': sys.path[:3]})
    return text(start_response, body, content_type='application/json')


def os_environ(environ, start_response):
    body = json.dumps({'pid': host_pid(), 'environ': dict(os.environ)})
    return text(start_response, body, content_type='application/json')


def report(environ, start_response):
    return text(start_response, json.dumps(state(environ)), content_type='application/json')


ROUTES = {
    'slow': slow, 'upload': upload, 'error-before': error_before, 'error-after': error_after,
    'close-raises': close_raises, 'bad-status': bad_status, 'bad-header': bad_header,
    'str-body': str_body, 'str-chunk': str_chunk, 'exit-before': exit_before, 'exit-after': exit_after,
    'overflow-before': overflow_before, 'overflow-after': overflow_after, 'whoami': whoami, 'state': report,
    'os-environ': os_environ,
    'hello': lambda environ, start_response: text(start_response, 'hello'),
}


def application(environ, start_response):
    global served
    served += 1
    route = ROUTES.get(environ['PATH_INFO'].split('/')[1])
    if route is None:
        return text(start_response, 'no such fixture', status='404 Not Found')
    return route(environ, start_response)
