"""The conformance suite's fixture apps (test/conformance/apps.ts) written again in Python.

`application` answers every path test/conformance/cases.ts asks for, by the first segment of PATH_INFO,
with the same control endpoints (/close-count, /stream-state, /release), so the same cases run against a
Python app on every target (loaded with wsgi-edge/python). Standard library only.

Every fixture runs inside CPython's own wsgiref.validate.validator, and its warnings are errors here, so
a slip of the gateway's environ or of a fixture fails in Python's checker: an AssertionError or
WSGIWarning raised in the app, which the client sees as a 500 or a cut stream. The one check the
validator cannot raise (an iterator collected without close(), reported from __del__) is recorded by
the unraisable hook below and answered by /validator-slips.

Where the JavaScript fixture relies on something only JavaScript has, the Python meaning is used:
- bodies are bytes (a JavaScript fixture mixes strings and bytes);
- async generators that sleep become plain generators. A Python body is pulled synchronously (the
  gateway's first 64 KiB at once, then a chunk per read of the client), and a generator can wait on
  nothing but that: /stream therefore yields padding until /release lets it end, and the suite checks
  it was held at a yield while the client had the first chunk (`delivery: 'pulled'` in cases.ts);
- wsgi.input.read() takes a size (the validator refuses read() without one): the body is read with
  read(CONTENT_LENGTH), as PEP 3333 apps do.
"""
import gc
import json
import sys
import warnings
import zlib
from urllib.parse import parse_qs
from wsgiref.validate import WSGIWarning, validator

warnings.filterwarnings('error', category=WSGIWarning)

#: The `size` a download may ask for: the suite's 16 MiB, with room.
MAX_DOWNLOAD = 64 * 1024 * 1024
#: How much padding /stream yields at most while it waits for /release: far more than any transport
#: reads ahead of a client that does not read, so a generator that ran out means nothing held it back.
HOLD_CHUNKS = 1024
HOLD_PADDING = b' ' * 65536

_closes = {}
_streams = {}
_slips = []
_previous_unraisable_hook = sys.unraisablehook


def _record_unraisable(unraisable):
    _slips.append(f'{unraisable.exc_type.__name__}: {unraisable.exc_value}')
    _previous_unraisable_hook(unraisable)


sys.unraisablehook = _record_unraisable


def _query(environ):
    return parse_qs(environ.get('QUERY_STRING', ''), keep_blank_values=True)


def _param(environ, name, default=''):
    return _query(environ).get(name, [default])[0]


def _json(start_response, value, status='200 OK'):
    start_response(status, [('Content-Type', 'application/json')])
    return [json.dumps(value).encode('ascii')]


def _latin1(data):
    """One character per byte (a PEP 3333 native string), so bytes survive the JSON round trip."""
    return data.decode('latin-1')


def _content_length(environ):
    return int(environ.get('CONTENT_LENGTH') or 0)


# patternByte(i) of apps.ts is (i*31 + (i >> 16)*7 + 11) & 0xff. Within a 64 KiB-aligned chunk `k`,
# i >> 16 is k and 31*i mod 256 repeats every 256 bytes, so each chunk is one 256-byte row repeated.
_PATTERN_ROWS = [bytes((31 * j + shift) & 0xFF for j in range(256)) * 256 for shift in range(256)]


def _pattern_chunk(offset, length):
    return _PATTERN_ROWS[((offset >> 16) * 7 + 11) & 0xFF][:length]


class _Tracked:
    """An iterable whose close() is counted under `id`, however the body ends, then passed on."""

    def __init__(self, id, iterable):
        self._id = id
        self._iterable = iterable

    def __iter__(self):
        return iter(self._iterable)

    def close(self):
        _closes[self._id] = _closes.get(self._id, 0) + 1
        close = getattr(self._iterable, 'close', None)
        if close is not None:
            close()


def _js_type(value):
    """JavaScript's `typeof` for what crossed from the gateway: str, bool, numbers, JsProxy objects."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    return 'function' if callable(value) else 'object'


def _probe(environ, path):
    """A dotted path (`deno.info.remoteAddr.hostname`): the longest extension key, then attributes."""
    keys = sorted((key for key in environ if path == key or path.startswith(key + '.')), key=len, reverse=True)
    if not keys:
        return {'type': 'missing'}
    value = environ[keys[0]]
    for part in filter(None, path[len(keys[0]) + 1:].split('.')):
        if value is None or isinstance(value, (str, bool, int, float)):
            return {'type': 'missing'}
        try:
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        except (AttributeError, KeyError):
            return {'type': 'undefined'}
    kind = _js_type(value)
    return {'type': kind} if kind in ('object', 'function') else {'type': kind, 'value': value}


def _attribute_type(value, name):
    return _js_type(getattr(value, name)) if hasattr(value, name) else 'undefined'


def environ_echo(environ, start_response):
    """/environ: the CGI and HTTP_* keys, the wsgi.* flags, and the values of ?probe= paths."""
    cgi = {key: value for key, value in environ.items() if '.' not in key and type(value) is str}
    wsgi = {
        'version': environ['wsgi.version'],
        'url_scheme': environ['wsgi.url_scheme'],
        'multithread': environ['wsgi.multithread'],
        'multiprocess': environ['wsgi.multiprocess'],
        'run_once': environ['wsgi.run_once'],
        'input_terminated': environ.get('wsgi.input_terminated'),
        'input': _attribute_type(environ['wsgi.input'], 'read'),
        'errors': _attribute_type(environ['wsgi.errors'], 'write'),
    }
    probes = {path: _probe(environ, path) for path in _query(environ).get('probe', [])}
    return _json(start_response, {'cgi': cgi, 'wsgi': wsgi, 'probes': probes})


def streaming(environ, start_response):
    """/stream?id=: a first chunk, padding while it waits for /release (the client's reads drive it), a second."""
    id = _param(environ, 'id')
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8')])

    def body():
        _streams[id] = 'waiting'
        yield b'first chunk\n'
        for _ in range(HOLD_CHUNKS):
            if _streams.get(id) != 'waiting':
                break
            yield HOLD_PADDING
        yield b'second chunk\n'
        _streams[id] = 'finished'

    return body()


def lazy(environ, start_response):
    """/lazy: start_response called from inside the generator, before its first chunk."""
    def body():
        start_response('201 Created', [('Content-Type', 'text/plain'), ('X-Lazy', 'yes')])
        yield b''
        yield b'lazy body'

    return body()


def write_callable(environ, start_response):
    """/write: the legacy write() callable, whose chunks precede the iterable's."""
    write = start_response('200 OK', [('Content-Type', 'text/plain')])
    write(b'one ')
    write(b'two ')
    return [b'three']


def exc_info_early(environ, start_response):
    """/exc-info: an error caught before anything was sent replaces the status and headers."""
    start_response('200 OK', [('Content-Type', 'text/html'), ('X-Dropped', 'yes')])
    try:
        raise RuntimeError('database unavailable')
    except RuntimeError:
        start_response('503 Service Unavailable', [('Content-Type', 'text/plain')], sys.exc_info())
        return [b'recovered']


def exc_info_late(environ, start_response):
    """/exc-info-late?id=: after the first chunk, start_response(..., exc_info) re-raises; the stream aborts."""
    def body():
        yield b'partial'
        try:
            raise RuntimeError('late failure')
        except RuntimeError:
            start_response('500 Internal Server Error', [('Content-Type', 'text/plain')], sys.exc_info())
        yield b'never sent'

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return _Tracked(_param(environ, 'id'), body())


def error_before(environ, start_response):
    """/error-before: the app raises before any headers; the message must not reach the client."""
    raise RuntimeError('secret-detail-do-not-leak')


def error_after(environ, start_response):
    """/error-after?id=: the body fails after headers and a first chunk went out."""
    def body():
        yield b'partial'
        raise RuntimeError('secret-detail-do-not-leak')

    start_response('200 OK', [('Content-Type', 'text/plain')])
    return _Tracked(_param(environ, 'id'), body())


def close_tracked(environ, start_response):
    """/close?id=&chunks=: `chunks` chunks of 1 KiB from a generator, tracking close().

    apps.ts waits `delay` ms between chunks in an async generator; a Python generator cannot wait, so
    `delay` changes nothing here. The one that goes away mid-stream is parked at a yield by backpressure.
    """
    id = _param(environ, 'id')
    chunks = min(int(_param(environ, 'chunks', '3')), 100_000)
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
    return _Tracked(id, (bytes([i & 0xFF]) * 1024 for i in range(chunks)))


def close_count(environ, start_response):
    """/close-count?id=: how many times close() ran for `id` in this interpreter."""
    return _json(start_response, {'count': _closes.get(_param(environ, 'id'), 0)})


def stream_state(environ, start_response):
    """/stream-state?id=: where the /stream generator for `id` is."""
    return _json(start_response, {'state': _streams.get(_param(environ, 'id'), 'unknown')})


def release(environ, start_response):
    """/release?id=: lets the /stream generator for `id` end at its next pull."""
    id = _param(environ, 'id')
    before = _streams.get(id, 'unknown')
    if before == 'waiting':
        _streams[id] = 'released'
    return _json(start_response, {'state': before})


def echo(environ, start_response):
    """/echo: the request body back, byte for byte, read with read(CONTENT_LENGTH)."""
    body = environ['wsgi.input'].read(_content_length(environ))
    start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', str(len(body)))])
    return [body]


def sized(environ, start_response):
    """/sized: a generator body whose length the app declared; the client must get that Content-Length."""
    start_response('200 OK', [('Content-Type', 'application/octet-stream'), ('Content-Length', '300000')])
    return (bytes([i + 1]) * 100_000 for i in range(3))


def upload(environ, start_response):
    """/upload: reads the body in 64 KiB pieces and reports its length, CRC-32 and how many reads it took."""
    stream = environ['wsgi.input']
    length = digest = reads = oversized = 0
    for _ in range(100_000):
        piece = stream.read(65536)
        if not piece:
            break
        if len(piece) > 65536:
            oversized += 1
        reads += 1
        length += len(piece)
        digest = zlib.crc32(piece, digest)
    return _json(start_response, {'length': length, 'digest': digest, 'reads': reads, 'oversized': oversized})


def download(environ, start_response):
    """/download?size=: `size` bytes of apps.ts's patternByte in 64 KiB chunks from a generator."""
    size = min(int(_param(environ, 'size', '0')), MAX_DOWNLOAD)
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
    return (_pattern_chunk(offset, min(65536, size - offset)) for offset in range(0, size, 65536))


def pieces(environ, start_response):
    """/pieces: wsgi.input read with each method in turn; every piece reported as a native string."""
    stream = environ['wsgi.input']
    read3 = stream.read(3)
    line = stream.readline()
    limited_line = stream.readline(2)
    rest_of_line = stream.readline()
    lines = stream.readlines(1)
    iterated = []
    for chunk in stream:
        iterated.append(chunk)
        if len(iterated) > 1000:
            break
    rest = stream.read(_content_length(environ))
    return _json(start_response, {
        'read3': _latin1(read3),
        'line': _latin1(line),
        'limitedLine': _latin1(limited_line),
        'restOfLine': _latin1(rest_of_line),
        'lines': [_latin1(item) for item in lines],
        'iterated': _latin1(b''.join(iterated)),
        'eof': _latin1(rest),
    })


def cookies(environ, start_response):
    """/cookies: three Set-Cookie headers, which must reach the client as three."""
    start_response('200 OK', [
        ('Content-Type', 'text/plain'),
        ('Set-Cookie', 'a=1; Path=/'),
        ('Set-Cookie', 'b=2; Path=/; HttpOnly'),
        ('Set-Cookie', 'c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT'),
    ])
    return [b'cookies']


REASONS = {'200': 'OK', '204': 'No Content', '205': 'Reset Content', '304': 'Not Modified'}


def status(environ, start_response):
    """/status/NNN?id=: answers NNN with a body the gateway must drop for null-body statuses and HEAD."""
    parts = environ['PATH_INFO'].split('/')
    code = parts[2] if len(parts) > 2 else ''
    reason = REASONS.get(code)
    if reason is None:
        return _json(start_response, {'error': f'no fixture for status {code!r}'}, '404 Not Found')
    # 204 and 304 carry no Content-Type (the validator refuses one, as they have no content).
    headers = [] if code in ('204', '304') else [('Content-Type', 'text/plain')]
    start_response(f'{code} {reason}', headers + [('X-Status-Fixture', code)])
    return _Tracked(_param(environ, 'id'), (chunk for chunk in [b'this body must not be sent']))


def hello(environ, start_response):
    """/hello: the smallest app."""
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'hello']


def live_bodies(environ, start_response):
    """/live-bodies: how many wsgi_edge_bridge.Body objects are alive (null outside the bridge).

    Each one is a response the gateway still holds through a PyProxy; between requests there should be none.
    """
    bridge = sys.modules.get('wsgi_edge_bridge')
    gc.collect()
    count = None if bridge is None else sum(1 for item in gc.get_objects() if type(item) is bridge.Body)
    return _json(start_response, {'bodies': count})


def validator_slips(environ, start_response):
    """/validator-slips: what was raised where nothing could catch it (an iterator collected unclosed)."""
    gc.collect()
    return _json(start_response, {'slips': list(_slips)})


#: Every fixture, by the first segment of PATH_INFO.
fixtures = {
    'environ': environ_echo,
    'stream': streaming,
    'lazy': lazy,
    'write': write_callable,
    'exc-info': exc_info_early,
    'exc-info-late': exc_info_late,
    'error-before': error_before,
    'error-after': error_after,
    'close': close_tracked,
    'close-count': close_count,
    'stream-state': stream_state,
    'release': release,
    'echo': echo,
    'sized': sized,
    'upload': upload,
    'download': download,
    'pieces': pieces,
    'cookies': cookies,
    'status': status,
    'hello': hello,
    'live-bodies': live_bodies,
    'validator-slips': validator_slips,
}

_wrapped = {name: validator(app) for name, app in fixtures.items()}


def application(environ, start_response):
    """The one app each target serves: dispatches to a fixture by the first path segment."""
    parts = environ.get('PATH_INFO', '').split('/')
    app = _wrapped.get(parts[1] if len(parts) > 1 else '')
    if app is None:
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [f'no fixture {json.dumps(parts[1] if len(parts) > 1 else "")}'.encode()]
    return app(environ, start_response)
