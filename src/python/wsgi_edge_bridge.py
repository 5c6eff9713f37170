"""wsgi-edge's Python half: calls a WSGI app for a request the JavaScript gateway has already parsed.

The gateway (src/core) owns the protocol: it checks status lines and headers, holds the body to its
Content-Length, answers HEAD and 204/304 without a body and runs close() once. This module adds only
what can be checked in Python alone, the types (PEP 3333: native str for status and headers, bytes for
the body), as CPython's wsgiref.handlers does, and hands everything else to the host: one object per
app, given once to Gateway.bind_host, with start(token, status, headers, with_exc_info) -> START_*
(headers: names and values joined by NUL, or the flat list where one holds a NUL), write(token, bytes)
-> False once the request is over, errors(token, text), flush(token), fail(token, traceback) and
fatal(reason). `token` is the number the host gave Gateway.call for the request; the host knows when
its request is over (it never reuses a token), so a call the app makes with a start_response, write or
wsgi.errors kept past its request cannot reach another request. Its methods are looked up once (a
lookup on a JavaScript object costs Pyodide some 1 µs, a new proxy per request 2.5-3 µs more).

Crossings between JavaScript and Python are the cost here, so a request crosses once in (the environ's
keys and values joined by NUL, written by the host into environ_buffer; the body as bytes) and, for a body
that is a list or ends within what the core pulls at once, not again: the body comes back whole, copied
into environ_buffer when it fits (only its length crosses; see Gateway._whole), else as a str when it is
ASCII (a Python str crosses for the cost of its characters, where to_js() of bytes costs some 20 µs however
short) and as bytes otherwise. A longer body comes back with what the core would pull at once, and the
rest crosses as the core pulls it: one chunk per crossing, or, when the host has a buffer to copy them
into, the chunks the body gives at once up to GATHER_BYTES, which the host copies out of wasm memory
where they lie: only their count crosses, their places and lengths written into Gateway.span_buffer
(or, past SPAN_LIMIT chunks, copied into Gateway.gather_buffer first, and only their length crosses).
The requests a server prepares together cross once for all (Gateway.call_batch): their apps then run
back to back, with no JavaScript between two of them, which slows the next under Pyodide; a
start_response the core is sure to accept goes back with the results instead of crossing on its own.
Failures come back as the formatted traceback (a str, or given to host.fail() where a str is a body)
rather than as exceptions, so that nothing of Python's state rides on a JavaScript error.

The module runs under CPython too (the tests import it there with a host written in Python).
"""
import ast
import importlib
import importlib.machinery
import inspect
import io
import os
import re
import sys
import time
import traceback
from wsgiref.util import FileWrapper

try:
    from pyodide.ffi import JsException, to_js as _to_host
except ImportError:  # CPython: the host is Python, values pass as they are
    class JsException(Exception):
        pass

    def _to_host(value):
        return value


# The core's SYNC_PULL_BYTES and null-body statuses (src/core/body-pump.ts, protocol.ts), which
# StartResponse.pull() follows.
SYNC_PULL_BYTES = 64 * 1024
NULL_BODY_STATUSES = ('204', '205', '304')
# What one pull of a streamed body (Body.next) may gather into a buffer of the host's: chunks while the
# body gives them at once, up to this many bytes. A crossing and the transport's write cost about as
# much for 64 KiB as for 1 MiB; a body of 64 KiB chunks streamed at 0.15-0.26x gunicorn's rate one chunk
# per crossing (bench/PROFILE.md). Without a buffer of the host's, a pull takes one chunk: a new copy
# of 1 MiB per pull cost more than sixteen of 64 KiB.
GATHER_BYTES = 1024 * 1024
# A pull that has taken longer than this ends with the chunks it has: what it holds back waits at most
# this long, and one chunk more.
GATHER_SECONDS = 0.002
# A chunk that kept gathered ones waiting longer than this ends the gathering, and the body is pulled one
# chunk per crossing from then on: a body that takes its time (an event stream) is sent as it comes, not
# held back for the next chunk. A pull that only ran past GATHER_SECONDS (a busy machine takes the CPU
# away for a few milliseconds now and then) ends that pull alone: on a loaded machine that had turned
# the gathering off in most 256 MiB streams (bench/PROFILE.md). The price: a body whose chunks come in
# bursts with pauses under this long may have a pull hold a chunk back for one such pause.
HELD_SECONDS = 0.05
# A pull that brings less than this goes out in its own copy, not in a buffer of the host's: a host may
# hold a buffer until more bytes have followed it (under `deno serve`, 1 MiB), and a body that sends a
# little at a time (an event stream) would keep each of its buffers that long.
POOLED_MIN_BYTES = 64 * 1024
# How many chunks one pull may hand the host where they lie (Gateway.span_view): the host copies each
# out of wasm memory itself, one copy fewer than gathering them into gather_buffer first (bench/PROFILE.md,
# stop 41). A pull of more, smaller chunks is gathered, where a copy in wasm costs less than the host's
# per chunk.
SPAN_LIMIT = 128
# A span is (address, length) in native words: 32 bits under Pyodide (wasm32), which the host reads.
SPAN_WORD = 'I' if sys.maxsize < 2 ** 32 else 'Q'
# Where a bytes object's bytes start, from the address id() gives (a CPython detail: PyBytesObject's
# ob_sval, after the header tp_basicsize counts with the trailing NUL).
BYTES_DATA_OFFSET = bytes.__basicsize__ - 1
_SPAN_WORD_BYTES = memoryview(b'').cast(SPAN_WORD).itemsize
# The clock the gathering is timed by (the tests give theirs).
_clock = time.monotonic
# The size of Gateway.environ_buffer, which the host writes an environ into (its keys and values in UTF-8,
# joined by NUL) rather than passing a str, and which a whole body is copied into for the host: a copy in
# wasm memory costs less than Pyodide's conversion of a str character by character. A longer environ or
# body crosses as a str.
ENVIRON_BUFFER_BYTES = 16 * 1024
# What host.start() answers: the core took the status and headers; it refused them with exc_info because
# headers were already sent (PEP 3333: re-raise it); the request is over.
START_ACCEPTED = 0
START_RERAISE = 1
START_REQUEST_OVER = 2
# Set by Pyodide for its own file system; kept by replace_environ where the host names none.
PYODIDE_OWN_ENV = ('HOME', 'LD_LIBRARY_PATH')
_own_env = None


class LoadError(Exception):
    """The app could not be imported or found; the message says which module, callable and sys.path."""


def parse_app_spec(spec):
    """What `spec` names, read as gunicorn reads it: (module, attributes, call).

    'module:expression', or 'module' alone for 'module:application'. The expression is a name or a dotted
    one (app, obj.attr), or a call of one whose arguments are literals (create_app(), create_app('dev',
    debug=True)), parsed with `ast` and evaluated with `ast.literal_eval` as gunicorn does: nothing the
    spec says is run but the call it names. `call` is None for a name, else (args, kwargs).
    Raises LoadError saying what is wrong with the spelling.
    """
    if type(spec) is not str:
        raise LoadError(f'The app spec must be a str, not {_describe(spec)}')
    module_name, colon, expression = spec.partition(':')
    if not _is_module_name(module_name):
        raise LoadError(_not_a_module(spec, module_name, colon))
    expression = expression.strip() or 'application'
    try:
        node = ast.parse(expression, mode='eval').body
    except SyntaxError:
        node = None
    if isinstance(node, ast.Call):
        attributes = _dotted(node.func)
        if attributes is None:
            raise LoadError(f'The function called must be named by a name or a dotted one (factory(), '
                            f'obj.factory()), not {ast.unparse(node.func)!r}')
        return module_name, attributes, (_literal_args(node), _literal_kwargs(node))
    attributes = _dotted(node)
    if attributes is None:
        raise LoadError(f'{expression!r} is neither a name (app, obj.app) nor a call of one with literal '
                        "arguments (create_app(), create_app('dev', debug=True))")
    return module_name, attributes, None


def _is_module_name(name):
    return all(part.isidentifier() for part in name.split('.'))


def _not_a_module(spec, module_name, colon):
    if module_name.endswith('.py'):
        return _file_named(module_name)
    if not colon:
        # 'flaskr.create_app()': the separator written as a dot.
        head, dot, _ = spec.partition('(')[0].rpartition('.')
        if dot and _is_module_name(head):
            return f'{spec!r} is not a module name: did you mean {head + ":" + spec[len(head) + 1:]!r}?'
    return f'{module_name!r} is not a module name (package.module, then :callable)'


def _file_named(file_name):
    module = os.path.basename(file_name)[:-3]
    return (f'{file_name!r} is a file name: name its module, {module!r}, with its folder on the path '
            f'(wsgi-edge serve takes path/{module}.py itself)')


def _dotted(node):
    """['obj', 'attr'] for `obj.attr`, or None when `node` is anything but a name or a dotted name."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return names[::-1]


def _literal(node):
    if not isinstance(node, (ast.Starred, ast.keyword)):
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
    shown = f'**{ast.unparse(node.value)}' if isinstance(node, ast.keyword) else ast.unparse(node)
    raise LoadError('The arguments must be literals (str, bytes, numbers, True, False, None, and tuples, lists, '
                    f'dicts and sets of them), as gunicorn takes them: {shown!r} is not one')


def _literal_args(call):
    return [_literal(argument) for argument in call.args]


def _literal_kwargs(call):
    return {keyword.arg: _literal(keyword.value if keyword.arg else keyword) for keyword in call.keywords}


def load_app(spec, paths=()):
    """The WSGI app `spec` names (see parse_app_spec); a factory it calls is called here, once.

    `paths` go first on sys.path, in order, as `python app.py` puts the script's folder first.
    """
    module_name, attributes, call = parse_app_spec(spec)
    for folder in reversed(list(paths)):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    _forget_folder_listings()
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise LoadError(f'{error.__class__.__name__} in {error.filename}, line {error.lineno}: {error.msg}\n'
                        f'{_format(error)}') from None
    except ModuleNotFoundError as error:
        if module_name.endswith('.py') and error.name in (module_name, module_name[:-3]):
            raise LoadError(_file_named(module_name)) from None
        if error.name is not None and (module_name + '.').startswith(error.name + '.'):
            # The module itself (or its package) is nowhere on the path: the traceback would show only importlib.
            raise LoadError(f'No module named {error.name!r}; sys.path is {sys.path!r}') from None
        raise LoadError(f'Importing {module_name!r} failed ({error.__class__.__name__}: {error}); '
                        f'sys.path is {sys.path!r}\n{_format(error)}') from None
    except BaseException as error:
        raise LoadError(f'Importing {module_name!r} failed ({error.__class__.__name__}: {error}); '
                        f'sys.path is {sys.path!r}\n{_format(error)}') from None
    app = module
    try:
        for name in attributes:
            app = getattr(app, name)
    except AttributeError:
        where = getattr(module, '__file__', module_name)
        raise LoadError(f'Module {module_name!r} ({where}) has no attribute {".".join(attributes)!r}') from None
    if call is not None:
        app = _call_factory(attributes, app, *call)
        if app is None:
            raise LoadError('The factory returned None, not a WSGI app')
    if not callable(app):
        raise LoadError(f'{spec!r} is not callable (got {app!r})')
    _refuse_what_takes_no_request(app, None if call is not None else f'{module_name}:{".".join(attributes)}()')
    return app


def _call_factory(attributes, factory, args, kwargs):
    """factory(*args, **kwargs), with what it raises named on one line ahead of its traceback."""
    signature = _signature(factory)
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            shown = ', '.join([*map(repr, args), *(f'{name}={value!r}' for name, value in kwargs.items())])
            raise LoadError(f'{".".join(attributes)}({shown}) does not match the factory\'s parameters '
                            f'{signature}: {error}') from None
    try:
        return factory(*args, **kwargs)
    except BaseException as error:
        # Its traceback from the factory's own frame on: the line above is no news.
        error.__traceback__ = error.__traceback__.tb_next or error.__traceback__
        raise LoadError(f'The factory raised {error.__class__.__name__}: {error}'
                        f'{_where(error)}\n{_format(error)}') from None


def _refuse_what_takes_no_request(app, as_call):
    """An app that cannot be called with (environ, start_response) would answer every request 500: say so now.

    The usual case is a factory named without its call ('flaskr:create_app' for 'flaskr:create_app()'):
    `as_call` is that spelling, or None when the app came from a factory's call.
    """
    signature = _signature(app)
    if signature is None:
        return
    try:
        signature.bind(None, None)
    except TypeError:
        what = f'{getattr(app, "__name__", app)}{signature}' if as_call else f'The factory gave {app!r}, which'
        hint = f': if it is a factory that makes the app, call it: {as_call!r}' if as_call else ''
        raise LoadError(f'{what} cannot be called as a WSGI app is, app(environ, start_response){hint}') from None


def _signature(function):
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None  # A builtin or an extension without one: let the call decide.


def _where(error):
    """', at FILE line N' for the innermost frame of the error's traceback, or ''."""
    frames = traceback.extract_tb(error.__traceback__)
    return f', at {frames[-1].filename} line {frames[-1].lineno}' if frames else ''


def replace_environ(flat_env):
    """Makes os.environ (and the C environment under it) exactly `flat_env`, [name, value, ...].

    What was there goes: Pyodide's defaults (USER=web_user, PATH=/...), or the values a memory snapshot
    holds from where it was made. Only Pyodide's HOME and LD_LIBRARY_PATH, which name places in its own
    file system, stay where `flat_env` has none.
    """
    global _own_env
    if _own_env is None:
        # Before the first replacement, so that a snapshot carries Pyodide's values, not the ones it was made with.
        _own_env = {name: os.environ[name] for name in PYODIDE_OWN_ENV if name in os.environ}
    items = flat_env.to_py(depth=1) if hasattr(flat_env, 'to_py') else flat_env
    pairs = iter(items)
    env = dict(zip(pairs, pairs))
    for name, value in _own_env.items():
        env.setdefault(name, value)
    os.environ.clear()
    os.environ.update(env)


def set_environ_value(name, value):
    """os.environ[name] = value, or no `name` in it when value is None: a variable the host sets again for
    each request, as Lambda's runtime does _X_AMZN_TRACE_ID for each invocation."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _forget_folder_listings():
    """importlib.invalidate_caches() for folders only: a folder mounted since may hold new modules.

    The standard library's zip importer is left alone: invalidating it re-reads the zip's directory,
    some 0.15-0.45 s under Pyodide, and the zip does not change while the interpreter runs.
    """
    for finder in list(sys.path_importer_cache.values()):
        if isinstance(finder, importlib.machinery.FileFinder):
            finder.invalidate_caches()


def _format(error):
    return ''.join(traceback.format_exception(type(error), error, error.__traceback__))


def _body_bytes(chunk):
    """`chunk`, which must be bytes (PEP 3333); raises TypeError quoting it otherwise."""
    if type(chunk) is not bytes:
        raise TypeError(f'The body must give bytes, not {_describe(chunk)}')
    return chunk


def _describe(value):
    return f'{type(value).__name__} {value!r}'


class HostCalls:
    """The host's methods, looked up once per app (see the module's doc)."""

    __slots__ = ('start', 'write', 'errors', 'flush', 'fail', '_fatal', 'dead')

    def __init__(self, host):
        for name in ('start', 'write', 'errors', 'flush', 'fail'):
            setattr(self, name, getattr(host, name))
        self._fatal = host.fatal
        # Set by fatal(): the interpreter must not serve again, so a batch stops there (Gateway.call_batch).
        self.dead = False

    def fatal(self, reason):
        self.dead = True
        self._fatal(reason)


class ErrorStream:
    """wsgi.errors: a text stream whose lines reach the gateway's errors (the host's, past the request too)."""

    __slots__ = ('_host', '_token')

    def __init__(self, host, token):
        self._host = host
        self._token = token

    def write(self, text):
        if type(text) is not str:
            raise TypeError(f'wsgi.errors.write() takes str, not {_describe(text)}')
        self._host.errors(self._token, text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._host.flush(self._token)


# What the host's start() accepted before (a status; a header name, and whether it is Content-Length's):
# the core's checks of those depend on nothing else, so a start_response that gives only such a status and
# names, with values the core's own pattern accepts (Gateway.bind_host), would be accepted again. Bounded
# as the core's own memory of them is, since an app may build them from request data.
_ACCEPTED_LIMIT = 1024
_accepted_statuses = set()
_accepted_names = {}


def _remember_accepted(status, flat):
    if len(_accepted_statuses) < _ACCEPTED_LIMIT:
        _accepted_statuses.add(status)
    for i in range(0, len(flat), 2):
        name = flat[i]
        if name not in _accepted_names and len(_accepted_names) < _ACCEPTED_LIMIT:
            _accepted_names[name] = name.lower() == 'content-length'


def _accepted_before(status, flat, field_value):
    """Whether the core is sure to accept these (a subset of what it accepts: anything else crosses at once)."""
    if status not in _accepted_statuses:
        return False
    length = None
    for i in range(0, len(flat), 2):
        is_length = _accepted_names.get(flat[i])
        value = flat[i + 1]
        if is_length is None or field_value(value) is None:
            return False
        if is_length:
            # The core takes 1-15 digits and refuses two that differ; only that plain form is put off here.
            if not (value.isascii() and value.isdigit() and len(value) <= 15) or (length is not None and value != length):
                return False
            length = value
    return True


# The end of the app's iterable: what next(iterator, _ENDED) gives there, and what Body.next() met after the
# chunks it gave.
_ENDED = object()
_NO_LIMIT = float('inf')


class StartResponse:
    """start_response(status, response_headers, exc_info=None) for one request; returns write().

    It also keeps what the core knows of the response so far (the status and headers it accepted, whether
    write() fixed them, how much was written), which `pull()` needs to pull a body as the core would.
    """

    __slots__ = ('_host', '_token', '_status', '_flat_headers', '_sent', '_written', '_pending', '_field_value', '_asked', '_record')

    def __init__(self, host, token, field_value=None):
        self._host = host
        self._token = token
        self._status = None
        self._flat_headers = None
        self._sent = False
        self._written = 0
        # Chunks pulled but not yet handed to the host: while `pull()` runs, a list.
        self._pending = None
        # Given in a batch (Gateway.call_batch): the core's pattern of a header value; a first call the core
        # is sure to accept is then kept as `_record` for the host to take after the app, not handed over
        # at once, until anything else reaches the host for this request.
        self._field_value = field_value
        self._asked = False
        self._record = None

    def __call__(self, status, response_headers, exc_info=None):
        if type(status) is not str:
            raise TypeError(f'The status must be a str, not {_describe(status)}')
        if type(response_headers) is not list:
            raise TypeError(f'The headers must be a list of (name, value) tuples, not {_describe(response_headers)}')
        flat = []
        for header in response_headers:
            if type(header) is not tuple or len(header) != 2:
                raise TypeError(f'Each header must be a (name, value) tuple, not {_describe(header)}')
            name, value = header
            if type(name) is not str or type(value) is not str:
                raise TypeError(f'Header names and values must be str, not {header!r}')
            flat.append(name)
            flat.append(value)
        first = not self._asked
        self._asked = True
        if first and exc_info is None and self._field_value is not None and _accepted_before(status, flat, self._field_value):
            self._record = (status, '\x00'.join(flat))
        else:
            self._hand_over_pending()
            started = self._start(status, flat, exc_info is not None)
            if started == START_RERAISE:
                # PEP 3333: once headers are sent, start_response with exc_info re-raises the app's error.
                try:
                    raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            _remember_accepted(status, flat)
        self._status = status
        self._flat_headers = flat
        return self.write

    def _start(self, status, flat, with_exc_info):
        """host.start(); START_ACCEPTED or START_RERAISE, or the core's refusal raised as ValueError."""
        # One str rather than to_js() of a list (some 20 µs); NUL cannot be in a valid name or value, and
        # where one is, the list goes as it is, so that the core's error quotes the header exactly.
        joined = '\x00'.join(flat)
        headers = joined if joined.count('\x00') == max(len(flat) - 1, 0) else _to_host(flat)
        try:
            started = self._host.start(self._token, status, headers, with_exc_info)
        except JsException as error:
            raise ValueError(_js_message(error)) from None
        if started == START_REQUEST_OVER:
            raise RuntimeError(_over('start_response()'))
        return started

    def take_record(self):
        """The first call kept for the host, as (status, names and values joined by NUL), or None; the host has it now."""
        record = self._record
        self._record = None
        return record

    def write(self, data):
        if type(data) is not bytes:
            raise TypeError(f'write() takes bytes, not {_describe(data)}')
        self._hand_over_pending()
        try:
            taken = self._host.write(self._token, _to_host(data))
        except JsException as error:
            raise ValueError(_js_message(error)) from None
        if taken is False:
            raise RuntimeError(_over('write()'))
        self._sent = True
        self._written += len(data)

    def _hand_over_pending(self):
        """The app calls back while its body is being pulled: what the core would already hold goes first.

        So does a first start_response kept for the host: it reached the core before anything else did.
        """
        record = self._record
        if record is not None:
            self._record = None
            self._start(record[0], self._flat_headers, False)
        pending = self._pending
        if pending:
            for chunk in pending:
                self._host.write(self._token, _to_host(chunk))
                self._written += len(chunk)
            pending.clear()
            self._sent = True

    def pull(self, iterator, method):
        """Pulls a synchronous body as far as the core (src/core/body-pump.ts) pulls it on the spot.

        The core pulls up to the first non-empty chunk (the head); then, unless the response has no body
        (HEAD, 204, 205, 304), on up to SYNC_PULL_BYTES or one byte past the app's Content-Length. Doing
        that here costs one crossing instead of one per chunk, and the core then takes the same chunks in
        the same order, with the same checks; it stops where the core would have. `method` is the request's,
        as the core sees it (not the environ the app may have changed).

        Returns (chunks, exhausted, failure): the non-empty chunks, whether the iterator ended, and the
        traceback of what it raised (after those chunks), if it did.
        """
        chunks = self._pending = []
        size = self._written
        try:
            while not self._sent:
                # next() with a default: the iterator's end raises no StopIteration into this frame, which
                # costs CPython a frame object and a traceback entry (a third of what the pull costs Flask
                # over list(); bench/PROFILE.md).
                chunk = next(iterator, _ENDED)
                if type(chunk) is not bytes:
                    if chunk is _ENDED:
                        return chunks, True, None
                    _body_bytes(chunk)
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                    if self._status is None:
                        # Body before start_response: the core refuses it when it takes this chunk.
                        return chunks, False, None
                    self._sent = True
            if method == 'HEAD' or self._status[:3] in NULL_BODY_STATUSES:
                return chunks, False, None
            limit = self._pull_limit()
            while size < limit:
                chunk = next(iterator, _ENDED)
                if type(chunk) is not bytes:
                    if chunk is _ENDED:
                        return chunks, True, None
                    _body_bytes(chunk)
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
            return chunks, False, None
        except BaseException as error:
            return chunks, False, _failure(error, self._host)
        finally:
            self._pending = None

    def _pull_limit(self):
        """The core's limit: SYNC_PULL_BYTES, or one byte past a Content-Length; 0 for a form it may read otherwise."""
        return min(SYNC_PULL_BYTES, self._length_limit())

    def _length_limit(self):
        """One byte past the app's Content-Length (the core takes no chunk after the one that crosses it);
        infinity without one, 0 for a form the core may read otherwise."""
        flat = self._flat_headers or ()
        limit = _NO_LIMIT
        for i in range(0, len(flat), 2):
            if flat[i].lower() == 'content-length':
                value = flat[i + 1]
                if not (value.isascii() and value.isdigit()):
                    return 0
                limit = min(limit, int(value) + 1)
        return limit


def _over(call):
    return f'{call} was called after its request was over: the app kept it past the request'


def _js_message(error):
    # "WsgiError: The status ..." reads better without the JavaScript class name.
    message = str(error)
    return message.split(': ', 1)[1] if message.startswith(('WsgiError: ', 'Error: ')) else message


class Body:
    """The app's iterable as the gateway pulls it: next() gives bytes, None at the end, or a traceback.

    When the host has a buffer for them, one next() gathers what the iterable gives at once (see
    GATHER_BYTES and GATHER_SECONDS), never past one byte beyond the app's Content-Length, where the core
    stops, and hands them to the host where they lie (`gateway`'s span_view), or, past SPAN_LIMIT chunks,
    copied into its gather_view; an end or an exception met after some chunks is given by the next call,
    after those chunks.
    """

    __slots__ = ('_result', '_iterator', '_host', '_start_response', '_gateway', '_held', '_room', '_after', '_gathers', '__weakref__')

    def __init__(self, result, iterator, host, start_response, gateway):
        self._result = result
        self._iterator = iterator
        self._host = host
        self._start_response = start_response
        self._gateway = gateway
        # The chunks the last next() handed over where they lie: alive until the host has copied them out.
        self._held = None
        # Bytes the core may still take, once the headers are fixed (see handed_over).
        self._room = _NO_LIMIT
        # _ENDED or the exception met after the chunks the last next() gave.
        self._after = None
        self._gathers = True

    def handed_over(self, size):
        """The headers are fixed and `size` bytes of the body went to the host: the rest is held to the Content-Length."""
        self._room = self._start_response._length_limit() - size

    def next(self, capacity=0):
        """Bytes; or, when the host has a buffer of `capacity` bytes for them, -n for n chunks whose places
        and lengths are in the gateway's span_buffer, or their length once copied into gather_buffer."""
        # The host copied the last pull's chunks out before anything else ran in Python.
        self._held = None
        after = self._after
        if after is not None:
            self._after = None
            self._room = 0
            return None if after is _ENDED else _failure(after, self._host)
        start_response = self._start_response
        # A write() from inside the iterable hands these over first, as the core would have them.
        chunks = start_response._pending = []
        size = 0
        budget = min(GATHER_BYTES, self._room, capacity) if self._gathers else 0
        started = last = now = _clock()
        try:
            while True:
                chunk = _body_bytes(next(self._iterator))
                if budget > 0:
                    now = _clock()
                    # The chunks in hand waited this long for this one.
                    if chunks and now - last > HELD_SECONDS:
                        self._gathers = False
                        budget = 0
                    last = now
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                if size >= budget or now - started > GATHER_SECONDS:
                    break
        except StopIteration:
            if not chunks:
                return None
            self._after = _ENDED
        except BaseException as error:
            if not chunks:
                return _failure(error, self._host)
            self._after = error
        finally:
            start_response._pending = None
        self._room -= size
        if POOLED_MIN_BYTES <= size <= min(capacity, GATHER_BYTES):
            # Read by the host where they lie in wasm memory (one copy, into a buffer it reuses), not joined
            # into new bytes first and copied out by to_js() or a JsProxy's assign().
            if len(chunks) <= SPAN_LIMIT:
                spans = self._gateway.span_view()
                i = 0
                for chunk in chunks:
                    spans[i] = id(chunk) + BYTES_DATA_OFFSET
                    spans[i + 1] = len(chunk)
                    i += 2
                self._held = chunks
                return -len(chunks)
            view = self._gateway.gather_view()
            offset = 0
            for chunk in chunks:
                end = offset + len(chunk)
                view[offset:end] = chunk
                offset = end
            return size
        return _to_host(chunks[0] if len(chunks) == 1 else b''.join(chunks))

    def close(self):
        """Calls the iterable's close() (PEP 3333); a traceback when it raised, else None."""
        result = self._result
        self._result = self._iterator = self._host = self._start_response = self._after = self._held = None
        return _close(result)


def _close(result):
    """Calls `result`'s close(), if it has one (PEP 3333); a traceback when it raised, else None."""
    close = getattr(result, 'close', None)
    if close is None:
        return None
    try:
        close()
    except BaseException as error:
        return _failure(error, None)
    return None


def _failure(error, host):
    """The traceback to log; SystemExit also tells the host the interpreter must not serve again."""
    if isinstance(error, (SystemExit, KeyboardInterrupt)) and host is not None:
        host.fatal(f'the app raised {error.__class__.__name__}({error})')
    return _format(error)


class Gateway:
    """One WSGI app, called once per request by the JavaScript half."""

    def __init__(self, app, multiprocess=True):
        self.app = app
        self.environ_buffer = bytearray(ENVIRON_BUFFER_BYTES)
        # GATHER_BYTES that a streamed body's pulls are gathered into for the host (see gather_view).
        self.gather_buffer = None
        self._gather_view = None
        # SPAN_LIMIT chunks' places and lengths, written by a pull for the host to read (see span_view).
        self.span_buffer = None
        self._span_view = None
        self._host = None
        # The core's pattern of a header value, compiled (bind_host): a batch's calls put off their start_response.
        self._field_value = None
        # Where a batch's next whole body goes in environ_buffer; None outside a batch (at its start).
        self._whole_at = None
        self._batch_objects = []
        self._constants = {
            'wsgi.version': (1, 0),
            'wsgi.multithread': False,
            'wsgi.multiprocess': bool(multiprocess),
            'wsgi.run_once': False,
            'wsgi.input_terminated': True,
            'wsgi.file_wrapper': FileWrapper,
        }

    def bind_host(self, host, field_value_pattern=None):
        """Takes the host every request calls back (see the module's doc); its methods are looked up here, once.

        `field_value_pattern` is the core's pattern of a valid header value (src/core/protocol.ts), which a
        batch needs (call_batch).
        """
        self._host = HostCalls(host)
        if field_value_pattern is not None:
            self._field_value = re.compile(field_value_pattern).fullmatch

    def hold(self, objects):
        """Keeps a proxy of each of these JavaScript objects for the life of the interpreter (bridge.ts,
        PROXY_MAP_ANCHORS, says why)."""
        self._held = list(objects)

    def gather_view(self):
        """A view of gather_buffer, made at the first pull that gathers into it: an app that never streams keeps its MiB.

        The view also keeps the bytearray from ever being resized, so its bytes stay where the host reads them.
        """
        view = self._gather_view
        if view is None:
            self.gather_buffer = bytearray(GATHER_BYTES)
            view = self._gather_view = memoryview(self.gather_buffer)
        return view

    def span_view(self):
        """span_buffer as SPAN_WORD words, made at the first pull that uses it; it is never resized."""
        view = self._span_view
        if view is None:
            self.span_buffer = bytearray(SPAN_LIMIT * 2 * _SPAN_WORD_BYTES)
            view = self._span_view = memoryview(self.span_buffer).cast(SPAN_WORD)
        return view

    def call(self, flat_environ, body, token, *objects):
        """Runs the app: its whole body (see _whole), or a pulled body, or None after host.fail(token, traceback).

        A pulled body is [chunks, body, failure, close_failure]: the chunks the core would take first, then
        the Body to pull the rest from (None when the iterator ended and was closed here), the traceback
        of what the iterator raised after those chunks, and that of what its close() raised.
        `flat_environ` is [key, value, key, value, ...] (a JavaScript array under Pyodide), or, when every
        value is a str without NUL, the same keys and values joined by NUL: as a str, or as the number of
        bytes of their UTF-8 the host wrote at the start of `environ_buffer`; there a value that is no str
        (a platform object) is empty, and `objects` gives it: key, value, ... (arguments of their own: a list
        would cross as a proxy to convert, some 4 µs more a request under Pyodide). `body` is the request
        body, read ahead by the gateway, or None. `token` names the request in the host's calls.
        """
        if type(flat_environ) is int:
            flat_environ = self.environ_buffer[:flat_environ].decode()
        return self._call(flat_environ, body, token, objects, StartResponse(self._host, token))

    def call_batch(self, calls, *objects):
        """Runs the apps of several requests without a body one after another, with no crossing between them.

        `calls` gives three items per request (a JavaScript array under Pyodide): its environ as call() takes
        it, where a number of bytes is the next that many in `environ_buffer` (the host wrote them one after
        another), its token, and how many of `objects` are its own (its platform objects, key and value
        each, as call() takes them).

        The result is a str, for each request three fields, each ended by SOH: the status and the joined
        headers of the first start_response when it was kept for the host (else two empty fields), then
        what call() gave: a whole body in `environ_buffer` as its signed length (each after the one before
        it), `N` for a failure (the traceback went to host.fail), or `O` for anything else, which
        take_batch_objects() then gives, in order (a str crosses for the cost of its characters; to_js() of
        a list cost more than the batch saved). The host hands each kept start_response to the core before
        it reads that request's result. A start_response is kept only when the core is sure to accept it (a
        status and header names it took before, values its pattern accepts), so the app meets the same
        errors as in call(); anything else the request sends the host (a write(), a second call, a streamed
        pull) hands it over first. The batch stops at a request whose app ended the interpreter
        (SystemExit): the result then has fewer fields, and the host answers the rest as it answers any
        request after that.
        """
        if type(calls) is not list:
            calls = calls.to_py(depth=1)
        buffer = self.environ_buffer
        requests = []
        read = 0
        taken = 0
        for i in range(0, len(calls), 3):
            flat_environ, token, count = calls[i:i + 3]
            if type(flat_environ) is int:
                # Read before any app runs: the whole bodies are written over them.
                end = read + flat_environ
                flat_environ = buffer[read:end].decode()
                read = end
            requests.append((flat_environ, token, objects[taken:taken + count]))
            taken += count
        fields = []
        others = self._batch_objects = []
        host = self._host
        field_value = self._field_value
        self._whole_at = 0
        try:
            for flat_environ, token, own_objects in requests:
                if host.dead:
                    break
                start_response = StartResponse(host, token, field_value)
                result = self._call(flat_environ, None, token, own_objects, start_response)
                fields += start_response.take_record() or ('', '')
                if type(result) is int:
                    fields.append(str(result))
                elif result is None:
                    fields.append('N')
                else:
                    fields.append('O')
                    others.append(result)
        finally:
            self._whole_at = None
        fields.append('')
        return '\x01'.join(fields)

    def take_batch_objects(self):
        """The results of the last call_batch() that were neither a length nor a failure, in order."""
        objects = self._batch_objects
        self._batch_objects = []
        return _to_host(objects)

    def _call(self, flat_environ, body, token, objects, start_response):
        if type(flat_environ) is str:
            pairs = iter(flat_environ.split('\x00'))
        else:
            pairs = iter(flat_environ if type(flat_environ) is list else flat_environ.to_py(depth=1))
        environ = dict(zip(pairs, pairs))
        if objects:
            # Their keys are already in place (with an empty value): the environ keeps the host's order.
            pairs = iter(objects)
            for key, value in zip(pairs, pairs):
                environ[key] = value
        method = environ.get('REQUEST_METHOD')
        environ.update(self._constants)
        if body is not None and hasattr(body, 'to_bytes'):
            body = body.to_bytes()
        environ['wsgi.input'] = io.BytesIO(body or b'')
        host = self._host
        environ['wsgi.errors'] = ErrorStream(host, token)
        try:
            result = self.app(environ, start_response)
            if isinstance(result, (str, bytes)):
                raise TypeError(f'The app must return an iterable of bytes, not {_describe(result)[:200]}')
            if type(result) is list or type(result) is tuple:
                for chunk in result:
                    _body_bytes(chunk)
                return self._whole(b''.join(result))
            try:
                iterator = iter(result)
            except BaseException:
                # PEP 3333: close() runs however the body ends, this way too (as the core does for JavaScript).
                close = getattr(result, 'close', None)
                if close is not None:
                    close()
                raise
        except BaseException as error:
            host.fail(token, _failure(error, host))
            return None
        chunks, exhausted, failure = start_response.pull(iterator, method)
        if not exhausted:
            body = Body(result, iterator, host, start_response, self)
            body.handed_over(start_response._written + sum(map(len, chunks)))
            return _to_host([chunks, body, failure, None])
        close_failure = _close(result)
        if close_failure is None:
            return self._whole(b''.join(chunks))
        return _to_host([chunks, None, None, close_failure])

    def _whole(self, data):
        """A whole body for the host. Where it fits, it is copied into `environ_buffer` (the environ there has
        been read) and its length comes back: as it is when the bytes are ASCII (the host reads them as text),
        negated otherwise (as bytes). A longer one comes back as a str when it is ASCII, else as bytes.

        Pyodide turns a str into a JavaScript string one character at a time (some 5-8 ns each: 40 µs for
        10 KB, and Node then flattens it once more) and bytes through to_js() (some 20 µs however short);
        the host decodes the buffer's ASCII for about 1 µs (bench/PROFILE.md, Flask's third pass).
        """
        size = len(data)
        at = self._whole_at or 0
        if at + size > ENVIRON_BUFFER_BYTES:
            return data.decode('ascii') if data.isascii() else _to_host(data)
        self.environ_buffer[at:at + size] = data
        if self._whole_at is not None:
            self._whole_at = at + size
        return size if data.isascii() else -size
