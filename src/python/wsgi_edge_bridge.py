"""wsgi-edge's Python half: calls a WSGI app for a request the JavaScript gateway has already parsed.

The gateway (src/core) owns the protocol: it checks status lines and headers, holds the body to its
Content-Length, answers HEAD and 204/304 without a body and runs close() once. This module adds only
what can be checked in Python alone, the types (PEP 3333: native str for status and headers, bytes for
the body), as CPython's wsgiref.handlers does, and hands everything else to the host: an object with
start(status, flat_headers, with_exc_info) -> bool, write(bytes), errors(text), flush() and fatal(reason).

Crossings between JavaScript and Python are the cost here, so a request crosses once in (the environ as
one flat list, the body as bytes) and once per body chunk out; a list body goes out in one crossing.
Failures come back as the formatted traceback (a str) rather than as exceptions, so that nothing of
Python's state rides on a JavaScript error.

The module runs under CPython too (the tests import it there with a host written in Python).
"""
import importlib
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
    importlib.invalidate_caches()
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


def _format(error):
    return ''.join(traceback.format_exception(type(error), error, error.__traceback__))


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
    """start_response(status, response_headers, exc_info=None) for one request; returns write()."""

    __slots__ = ('_host',)

    def __init__(self, host):
        self._host = host

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
        try:
            reraise = self._host.start(status, _to_host(flat), exc_info is not None)
        except JsException as error:
            raise ValueError(_js_message(error)) from None
        if reraise:
            # PEP 3333: once headers are sent, start_response with exc_info re-raises the app's error.
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        return self.write

    def write(self, data):
        if type(data) is not bytes:
            raise TypeError(f'write() takes bytes, not {_describe(data)}')
        try:
            self._host.write(_to_host(data))
        except JsException as error:
            raise ValueError(_js_message(error)) from None


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
            chunk = next(self._iterator)
        except StopIteration:
            return None
        except BaseException as error:
            return _failure(error, self._host)
        if type(chunk) is not bytes:
            return _failure(TypeError(f'The body must give bytes, not {_describe(chunk)}'), self._host)
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
        """Runs the app: a list of bytes, a Body to pull, or the traceback (str) of what it raised.

        `flat_environ` is [key, value, key, value, ...] (a JavaScript array under Pyodide); `body` the
        request body, read ahead by the gateway, or None.
        """
        items = flat_environ.to_py(depth=1) if hasattr(flat_environ, 'to_py') else flat_environ
        pairs = iter(items)
        environ = dict(zip(pairs, pairs))
        environ.update(self._constants)
        if body is not None and hasattr(body, 'to_bytes'):
            body = body.to_bytes()
        environ['wsgi.input'] = io.BytesIO(body or b'')
        environ['wsgi.errors'] = ErrorStream(host)
        try:
            result = self.app(environ, StartResponse(host))
            if isinstance(result, (str, bytes)):
                raise TypeError(f'The app must return an iterable of bytes, not {_describe(result)[:200]}')
            if type(result) is list or type(result) is tuple:
                for chunk in result:
                    if type(chunk) is not bytes:
                        raise TypeError(f'The body must give bytes, not {_describe(chunk)}')
                return _to_host(list(result))
            try:
                iterator = iter(result)
            except BaseException:
                # PEP 3333: close() runs however the body ends, this way too (as the core does for JavaScript).
                close = getattr(result, 'close', None)
                if close is not None:
                    close()
                raise
            return Body(result, iterator, host)
        except BaseException as error:
            return _failure(error, host)
