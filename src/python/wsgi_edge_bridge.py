"""wsgi-edge's Python half: calls a WSGI app for a request the JavaScript gateway has already parsed.

The gateway (src/core) owns the protocol: it checks status lines and headers, holds the body to its
Content-Length, answers HEAD and 204/304 without a body and runs close() once. This module adds only
what can be checked in Python alone, the types (PEP 3333: native str for status and headers, bytes for
the body), as CPython's wsgiref.handlers does, and hands everything else to the host: an object with
start(status, headers, with_exc_info) -> bool (headers: names and values joined by NUL, or
the flat list where one holds a NUL), write(bytes), errors(text), flush(), fatal(reason)
and fail(traceback).

Crossings between JavaScript and Python are the cost here, so a request crosses once in (the environ as
one flat list, the body as bytes) and, for a body that is a list or ends within what the core pulls at
once, not again: the body comes back whole, as a str when it is ASCII (a Python str crosses for the cost
of its characters, where to_js() of bytes costs some 20 µs however short) and as bytes otherwise. A
longer body comes back with what the core would pull at once, and the rest crosses one chunk per pull.
Failures come back as the formatted traceback (a str, or given to host.fail() where a str is a body)
rather than as exceptions, so that nothing of Python's state rides on a JavaScript error.

The module runs under CPython too (the tests import it there with a host written in Python).
"""
import importlib
import importlib.machinery
import io
import sys
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


class LoadError(Exception):
    """The app could not be imported or found; the message says which module, callable and sys.path."""


def load_app(spec, paths=()):
    """The callable `spec` names, gunicorn's way: 'module:callable', or 'module' for 'application'.

    `paths` go first on sys.path, in order, as `python app.py` puts the script's folder first.
    """
    module_name, _, attribute = spec.partition(':')
    attribute = attribute or 'application'
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
    except BaseException as error:
        raise LoadError(f'Importing {module_name!r} failed ({error.__class__.__name__}: {error}); '
                        f'sys.path is {sys.path!r}\n{_format(error)}') from None
    app = module
    try:
        for name in attribute.split('.'):
            app = getattr(app, name)
    except AttributeError:
        where = getattr(module, '__file__', module_name)
        raise LoadError(f'Module {module_name!r} ({where}) has no attribute {attribute!r}') from None
    if not callable(app):
        raise LoadError(f'{spec!r} is not callable (got {app!r})')
    return app


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


class ErrorStream:
    """wsgi.errors: a text stream whose lines reach the gateway's errors."""

    __slots__ = ('_host',)

    def __init__(self, host):
        self._host = host

    def write(self, text):
        if type(text) is not str:
            raise TypeError(f'wsgi.errors.write() takes str, not {_describe(text)}')
        self._host.errors(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._host.flush()


class StartResponse:
    """start_response(status, response_headers, exc_info=None) for one request; returns write().

    It also keeps what the core knows of the response so far (the status and headers it accepted, whether
    write() fixed them, how much was written), which `pull()` needs to pull a body as the core would.
    """

    __slots__ = ('_host', '_status', '_flat_headers', '_sent', '_written', '_pending')

    def __init__(self, host):
        self._host = host
        self._status = None
        self._flat_headers = None
        self._sent = False
        self._written = 0
        # Chunks pulled but not yet handed to the host: while `pull()` runs, a list.
        self._pending = None

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
        self._hand_over_pending()
        # One str rather than to_js() of a list (some 20 µs); NUL cannot be in a valid name or value, and
        # where one is, the list goes as it is, so that the core's error quotes the header exactly.
        joined = '\x00'.join(flat)
        headers = joined if joined.count('\x00') == max(len(flat) - 1, 0) else _to_host(flat)
        try:
            reraise = self._host.start(status, headers, exc_info is not None)
        except JsException as error:
            raise ValueError(_js_message(error)) from None
        if reraise:
            # PEP 3333: once headers are sent, start_response with exc_info re-raises the app's error.
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        self._status = status
        self._flat_headers = flat
        return self.write

    def write(self, data):
        if type(data) is not bytes:
            raise TypeError(f'write() takes bytes, not {_describe(data)}')
        self._hand_over_pending()
        try:
            self._host.write(_to_host(data))
        except JsException as error:
            raise ValueError(_js_message(error)) from None
        self._sent = True
        self._written += len(data)

    def _hand_over_pending(self):
        """The app calls back while its body is being pulled: what the core would already hold goes first."""
        pending = self._pending
        if pending:
            for chunk in pending:
                self._host.write(_to_host(chunk))
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
                chunk = _body_bytes(next(iterator))
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
                chunk = _body_bytes(next(iterator))
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
            return chunks, False, None
        except StopIteration:
            return chunks, True, None
        except BaseException as error:
            return chunks, False, _failure(error, self._host)
        finally:
            self._pending = None

    def _pull_limit(self):
        """The core's limit: SYNC_PULL_BYTES, or one byte past a Content-Length; 0 for a form it may read otherwise."""
        flat = self._flat_headers
        limit = SYNC_PULL_BYTES
        for i in range(0, len(flat), 2):
            if flat[i].lower() == 'content-length':
                value = flat[i + 1]
                if not (value.isascii() and value.isdigit()):
                    return 0
                limit = min(limit, int(value) + 1)
        return limit


def _js_message(error):
    # "WsgiError: The status ..." reads better without the JavaScript class name.
    message = str(error)
    return message.split(': ', 1)[1] if message.startswith(('WsgiError: ', 'Error: ')) else message


class Body:
    """The app's iterable as the gateway pulls it: next() gives bytes, None at the end, or a traceback."""

    __slots__ = ('_result', '_iterator', '_host', '__weakref__')

    def __init__(self, result, iterator, host):
        self._result = result
        self._iterator = iterator
        self._host = host

    def next(self):
        try:
            chunk = _body_bytes(next(self._iterator))
        except StopIteration:
            return None
        except BaseException as error:
            return _failure(error, self._host)
        return _to_host(chunk)

    def close(self):
        """Calls the iterable's close() (PEP 3333); a traceback when it raised, else None."""
        close = getattr(self._result, 'close', None)
        self._result = self._iterator = self._host = None
        if close is None:
            return None
        try:
            close()
        except BaseException as error:
            return _failure(error, None)
        return None


def _whole(data):
    """A whole body for the host: ASCII as a str (the same bytes once the core encodes it), else bytes."""
    return data.decode('ascii') if data.isascii() else _to_host(data)


def _failure(error, host):
    """The traceback to log; SystemExit also tells the host the interpreter must not serve again."""
    if isinstance(error, (SystemExit, KeyboardInterrupt)) and host is not None:
        host.fatal(f'the app raised {error.__class__.__name__}({error})')
    return _format(error)


class Gateway:
    """One WSGI app, called once per request by the JavaScript half."""

    def __init__(self, app, multiprocess=True):
        self.app = app
        self._constants = {
            'wsgi.version': (1, 0),
            'wsgi.multithread': False,
            'wsgi.multiprocess': bool(multiprocess),
            'wsgi.run_once': False,
            'wsgi.input_terminated': True,
            'wsgi.file_wrapper': FileWrapper,
        }

    def call(self, flat_environ, body, host):
        """Runs the app: its whole body (see _whole), or a pulled body, or None after host.fail(traceback).

        A pulled body is [chunks, body, failure, close_failure]: the chunks the core would take first, then
        the Body to pull the rest from (None when the iterator ended and was closed here), the traceback
        of what the iterator raised after those chunks, and that of what its close() raised.
        `flat_environ` is [key, value, key, value, ...] (a JavaScript array under Pyodide); `body` the
        request body, read ahead by the gateway, or None.
        """
        items = flat_environ.to_py(depth=1) if hasattr(flat_environ, 'to_py') else flat_environ
        pairs = iter(items)
        environ = dict(zip(pairs, pairs))
        method = environ.get('REQUEST_METHOD')
        environ.update(self._constants)
        if body is not None and hasattr(body, 'to_bytes'):
            body = body.to_bytes()
        environ['wsgi.input'] = io.BytesIO(body or b'')
        environ['wsgi.errors'] = ErrorStream(host)
        start_response = StartResponse(host)
        try:
            result = self.app(environ, start_response)
            if isinstance(result, (str, bytes)):
                raise TypeError(f'The app must return an iterable of bytes, not {_describe(result)[:200]}')
            if type(result) is list or type(result) is tuple:
                for chunk in result:
                    _body_bytes(chunk)
                return _whole(b''.join(result))
            try:
                iterator = iter(result)
            except BaseException:
                # PEP 3333: close() runs however the body ends, this way too (as the core does for JavaScript).
                close = getattr(result, 'close', None)
                if close is not None:
                    close()
                raise
        except BaseException as error:
            host.fail(_failure(error, host))
            return None
        body = Body(result, iterator, host)
        chunks, exhausted, failure = start_response.pull(iterator, method)
        if not exhausted:
            return _to_host([chunks, body, failure, None])
        close_failure = body.close()
        if close_failure is None:
            return _whole(b''.join(chunks))
        return _to_host([chunks, None, None, close_failure])
