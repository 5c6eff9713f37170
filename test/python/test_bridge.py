"""wsgi-edge's Python half (src/python/wsgi_edge_bridge.py) under CPython, with a host written in Python.

Run by test/python/bridge-cpython.test.ts (`python3 -m unittest`). The host stands in for the JavaScript
half: it records what the bridge hands it for its one request (TOKEN) and, like the core, answers start()
with START_RERAISE when exc_info comes after headers were sent; once `end()` has ended that request, it
answers as bridge.ts does for a token whose request is over.
"""
import ctypes
import gc
import io
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import traceback
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'python'))

import wsgi_edge_bridge as bridge  # noqa: E402


class FakeClock:
    """bridge._clock in these tests: each reading advances by the next of `steps` (seconds), else by 0."""

    def __init__(self, steps=()):
        self.now = 0.0
        self.steps = list(steps)

    def __call__(self):
        self.now += self.steps.pop(0) if self.steps else 0.0
        return self.now


# Body.next() stops gathering after a slow chunk: a clock that stands still keeps every test independent
# of how busy this machine is (GathersChunks moves it by hand).
bridge._clock = FakeClock()


# The token the tests' requests are called with.
TOKEN = 7


class Host:
    """start/write/errors/flush/fail/fatal, as bridge.ts's Hosts gives them; `refuse` makes start() fail like the core."""

    def __init__(self, refuse=None):
        self.token = TOKEN
        self.over = False
        self.started = []
        self.written = []
        self.error_text = []
        self.late_error_text = []
        self.flushes = 0
        self.fatal_reasons = []
        self.headers_sent = False
        self.refuse = refuse
        self.failure = None
        self.raw_headers = []

    def end(self):
        """The request is over: its token reaches nothing from now on."""
        self.over = True

    def _for(self, token):
        assert token == self.token, f'a call for request {token!r}, not {self.token!r}'
        return not self.over

    def start(self, token, status, flat_headers, with_exc_info):
        if not self._for(token):
            return bridge.START_REQUEST_OVER
        if self.refuse is not None:
            raise bridge.JsException(self.refuse)
        if with_exc_info and self.headers_sent:
            return bridge.START_RERAISE
        # Names and values come joined by NUL, as bridge.ts splits them, unless one holds a NUL.
        flat = (flat_headers.split('\x00') if flat_headers else []) if type(flat_headers) is str else list(flat_headers)
        self.started.append((status, flat, with_exc_info))
        self.raw_headers.append(flat_headers)
        return bridge.START_ACCEPTED

    def write(self, token, data):
        if not self._for(token):
            return False
        self.headers_sent = True
        self.written.append(data)
        return True

    def errors(self, token, text):
        (self.error_text if self._for(token) else self.late_error_text).append(text)

    def flush(self, token):
        self._for(token)
        self.flushes += 1

    def fatal(self, reason):
        self.fatal_reasons.append(reason)

    def fail(self, token, traceback_text):
        if self._for(token):
            self.failure = traceback_text


def bound_gateway(app, *args, host=None):
    """A Gateway for `app` given `host` (a new Host by default), as bridge.ts gives it its Hosts."""
    gateway = bridge.Gateway(app, *args)
    gateway.bind_host(host or Host())
    return gateway


def call(app, flat_environ=(), body=None, host=None):
    """Gateway.call's result, or the traceback it gave host.fail() (then the result is None).

    A whole body that came back in the gateway's buffer is given as the host reads it there, as text
    when it is ASCII (as a longer one comes back) for the tests to compare.
    """
    host = host or Host()
    flat = ['REQUEST_METHOD', 'GET', 'PATH_INFO', '/', *flat_environ]
    gateway = bound_gateway(app, host=host)
    result = read_whole(gateway, gateway.call(flat, body, host.token))
    if result is None:
        return host.failure, host
    assert host.failure is None, 'a failure with a result'
    return result, host


def read_whole(gateway, result):
    """`result`, but a whole body in `environ_buffer` as bridge.ts reads it: ASCII text, or bytes given -length."""
    if type(result) is not int:
        return result
    data = bytes(gateway.environ_buffer[:abs(result)])
    return data.decode('ascii') if result >= 0 else data


def hello(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'hello']


class StartResponseTypes(unittest.TestCase):
    def setUp(self):
        self.host = Host()
        self.start_response = bridge.StartResponse(self.host, self.host.token)

    def assertTypeErrorQuoting(self, quoted, call, *args):
        with self.assertRaises(TypeError) as caught:
            call(*args)
        self.assertIn(quoted, str(caught.exception))

    def test_status_must_be_str(self):
        self.assertTypeErrorQuoting("bytes b'200 OK'", self.start_response, b'200 OK', [])

    def test_headers_must_be_a_list(self):
        self.assertTypeErrorQuoting("tuple (('A', 'b'),)", self.start_response, '200 OK', (('A', 'b'),))

    def test_each_header_must_be_a_pair_tuple(self):
        self.assertTypeErrorQuoting("list ['A', 'b']", self.start_response, '200 OK', [['A', 'b']])
        self.assertTypeErrorQuoting("tuple ('A', 'b', 'c')", self.start_response, '200 OK', [('A', 'b', 'c')])

    def test_header_names_and_values_must_be_str(self):
        self.assertTypeErrorQuoting("('X-Count', 1)", self.start_response, '200 OK', [('X-Count', 1)])
        self.assertTypeErrorQuoting("(b'X', 'y')", self.start_response, '200 OK', [(b'X', 'y')])

    def test_write_takes_bytes(self):
        write = self.start_response('200 OK', [])
        self.assertTypeErrorQuoting("str 'text'", write, 'text')
        self.assertTypeErrorQuoting('bytearray', write, bytearray(b'x'))
        self.assertEqual(self.host.written, [])

    def test_errors_write_takes_str(self):
        errors = bridge.ErrorStream(self.host, self.host.token)
        self.assertTypeErrorQuoting("bytes b'oops'", errors.write, b'oops')
        errors.writelines(['a\n', 'b\n'])
        errors.flush()
        self.assertEqual((self.host.error_text, self.host.flushes), (['a\n', 'b\n'], 1))

    def test_hands_status_and_flat_headers_to_the_host(self):
        write = self.start_response('201 Created', [('Content-Type', 'text/plain'), ('Set-Cookie', 'a=1')])
        write(b'chunk')
        self.assertEqual(self.host.started, [('201 Created', ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1'], False)])
        self.assertEqual(self.host.written, [b'chunk'])

    def test_headers_cross_as_one_string_unless_one_holds_a_nul(self):
        self.start_response('200 OK', [('A', ''), ('B', 'c')])
        self.start_response('200 OK', [], ('exc', 'info', None))
        bridge.StartResponse(self.host, self.host.token)('200 OK', [('Bad', 'nul\x00inside')])
        self.assertEqual(self.host.raw_headers, ['A\x00\x00B\x00c', '', ['Bad', 'nul\x00inside']])
        self.assertEqual(self.host.started[2], ('200 OK', ['Bad', 'nul\x00inside'], False))

    def test_the_hosts_protocol_errors_become_value_errors(self):
        start_response = bridge.StartResponse(Host(refuse='WsgiError: The status "2OO OK" is malformed'), TOKEN)
        with self.assertRaises(ValueError) as caught:
            start_response('2OO OK', [])
        self.assertEqual(str(caught.exception), 'The status "2OO OK" is malformed')


class RequestOver(unittest.TestCase):
    """What the app kept past its request, used once the host has ended it (bridge.ts: test/python/request-over.test.ts)."""

    def setUp(self):
        self.kept = {}

        def app(environ, start_response):
            write = start_response('200 OK', [])
            self.kept.update(start_response=start_response, write=write, errors=environ['wsgi.errors'])
            return [b'kept']

        result, self.host = call(app)
        self.assertEqual(result, 'kept')
        self.host.end()

    def test_start_response_raises_one_line_naming_it(self):
        with self.assertRaises(RuntimeError) as caught:
            self.kept['start_response']('500 Late', [])
        self.assertEqual(str(caught.exception), 'start_response() was called after its request was over: the app kept it past the request')
        self.assertEqual([status for status, _, _ in self.host.started], ['200 OK'])

    def test_write_raises_one_line_naming_it(self):
        with self.assertRaises(RuntimeError) as caught:
            self.kept['write'](b'late')
        self.assertEqual(str(caught.exception), 'write() was called after its request was over: the app kept it past the request')
        self.assertEqual(self.host.written, [])

    def test_wsgi_errors_still_goes_to_the_host(self):
        self.kept['errors'].write('late\n')
        self.kept['errors'].flush()
        self.assertEqual((self.host.error_text, self.host.late_error_text, self.host.flushes), ([], ['late\n'], 1))


class ExcInfo(unittest.TestCase):
    def test_before_headers_it_replaces_the_status(self):
        def app(environ, start_response):
            start_response('200 OK', [('X-Dropped', 'yes')])
            try:
                raise RuntimeError('caught early')
            except RuntimeError:
                start_response('503 Service Unavailable', [('Content-Type', 'text/plain')], sys.exc_info())
            return [b'recovered']

        result, host = call(app)
        self.assertEqual(result, 'recovered')
        self.assertEqual([status for status, _, _ in host.started], ['200 OK', '503 Service Unavailable'])
        self.assertTrue(host.started[1][2])

    def test_after_headers_it_reraises_the_apps_error_with_its_traceback(self):
        host = Host()
        start_response = bridge.StartResponse(host, host.token)
        start_response('200 OK', [])(b'sent')

        def fail():
            raise LookupError('the original failure')

        try:
            fail()
        except LookupError:
            exc_info = sys.exc_info()
        # Not assertRaises: it strips the traceback this test looks at.
        try:
            start_response('500 Internal Server Error', [], exc_info)
        except LookupError as error:
            reraised = error
        else:
            self.fail('start_response did not re-raise exc_info after headers were sent')
        self.assertIs(reraised, exc_info[1])
        frames = [frame.name for frame in traceback.extract_tb(reraised.__traceback__)]
        self.assertIn('fail', frames)

    def test_after_headers_the_body_fails_with_the_apps_traceback(self):
        def app(environ, start_response):
            write = start_response('200 OK', [])
            write(b'partial')
            try:
                raise KeyError('late')
            except KeyError:
                start_response('500 Internal Server Error', [], sys.exc_info())
            return [b'never']

        result, host = call(app)
        self.assertIsInstance(result, str)
        self.assertIn("KeyError: 'late'", result)
        self.assertIn("raise KeyError('late')", result)
        self.assertEqual(host.written, [b'partial'])


class GatewayCall(unittest.TestCase):
    def test_builds_the_environ_from_the_flat_list_and_the_body(self):
        seen = {}

        def app(environ, start_response):
            seen.update(environ)
            seen['body'] = environ['wsgi.input'].read(100)
            environ['wsgi.errors'].write('logged\n')
            environ['wsgi.errors'].flush()
            return hello(environ, start_response)

        result, host = call(app, ['HTTP_X_LATIN', 'caf\xe9', 'deno.info', {'extra': True}], body=b'\x00\xff')
        self.assertEqual(result, 'hello')
        self.assertEqual((seen['PATH_INFO'], seen['HTTP_X_LATIN'], seen['deno.info']), ('/', 'caf\xe9', {'extra': True}))
        self.assertEqual(seen['wsgi.version'], (1, 0))
        self.assertEqual((seen['wsgi.multithread'], seen['wsgi.multiprocess'], seen['wsgi.run_once']), (False, True, False))
        self.assertIs(seen['wsgi.input_terminated'], True)
        self.assertEqual(seen['body'], b'\x00\xff')
        self.assertEqual((host.error_text, host.flushes), (['logged\n'], 1))

    def test_takes_the_environ_joined_by_nul_or_written_into_its_buffer_as_the_list_gives_it(self):
        seen = []

        def app(environ, start_response):
            seen.append({key: value for key, value in environ.items() if key not in ('wsgi.input', 'wsgi.errors')})
            return hello(environ, start_response)

        flat = ['REQUEST_METHOD', 'GET', 'SCRIPT_NAME', '', 'PATH_INFO', '/a b', 'QUERY_STRING', '', 'HTTP_X_LATIN', 'caf\xe9']
        gateway = bound_gateway(app)
        self.assertEqual(read_whole(gateway, gateway.call('\x00'.join(flat), None, TOKEN)), 'hello')
        self.assertEqual(read_whole(gateway, gateway.call(flat, None, TOKEN)), 'hello')
        # As bridge.ts writes it: UTF-8 at the start of the buffer, past an older, longer environ.
        gateway.environ_buffer[:] = b'\xff' * len(gateway.environ_buffer)
        encoded = '\x00'.join(flat).encode()
        gateway.environ_buffer[:len(encoded)] = encoded
        self.assertEqual(read_whole(gateway, gateway.call(len(encoded), None, TOKEN)), 'hello')
        self.assertEqual(len(gateway.environ_buffer), bridge.ENVIRON_BUFFER_BYTES)
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(seen[0], seen[2])
        self.assertEqual((seen[0]['SCRIPT_NAME'], seen[0]['QUERY_STRING'], seen[0]['HTTP_X_LATIN']), ('', '', 'caf\xe9'))

    def test_puts_the_objects_beside_the_joined_environ_in_their_keys_places(self):
        seen = []

        def app(environ, start_response):
            seen.append(list(environ.items())[:5])
            return hello(environ, start_response)

        info = {'remote': '192.0.2.1'}
        flat = ['REQUEST_METHOD', 'GET', 'deno.info', info, 'PATH_INFO', '/', 'extra.count', 3, 'HTTP_HOST', 'h']
        joined = '\x00'.join('' if type(item) is not str else item for item in flat)
        gateway = bound_gateway(app)
        self.assertEqual(read_whole(gateway, gateway.call(joined, None, TOKEN, 'deno.info', info, 'extra.count', 3)), 'hello')
        self.assertEqual(read_whole(gateway, gateway.call(flat, None, TOKEN)), 'hello')
        self.assertEqual(seen[0], [('REQUEST_METHOD', 'GET'), ('deno.info', info), ('PATH_INFO', '/'), ('extra.count', 3), ('HTTP_HOST', 'h')])
        self.assertEqual(seen[0], seen[1])

    def test_multiprocess_is_what_the_gateway_was_told(self):
        seen = {}
        bound_gateway(lambda environ, start_response: seen.update(environ) or hello(environ, start_response), False).call(
            ['REQUEST_METHOD', 'GET'], None, TOKEN)
        self.assertIs(seen['wsgi.multiprocess'], False)

    def test_no_body_is_an_empty_input(self):
        seen = {}
        call(lambda environ, start_response: seen.setdefault('body', environ['wsgi.input'].read()) and [] or hello(environ, start_response))
        self.assertEqual(seen['body'], b'')

    def test_a_list_or_tuple_goes_out_in_one_go(self):
        chunks = [b'one', b'', b'two']
        result, _ = call(lambda environ, start_response: (start_response('200 OK', []), chunks)[1])
        self.assertEqual(result, 'onetwo')
        result, _ = call(lambda environ, start_response: (start_response('200 OK', []), (b'a', b'b'))[1])
        self.assertEqual(result, 'ab')

    def test_a_whole_body_comes_back_in_the_buffer_its_length_negated_unless_ascii_and_past_its_size_as_ascii_text_or_bytes(self):
        size = bridge.ENVIRON_BUFFER_BYTES
        for chunks in ([b'plain ', b'ASCII'], iter([b'caf', 'é'.encode()]), [b'x' * size], [b''], [b'\xff' * (size - 1), b'!']):
            gateway = bound_gateway(lambda environ, start_response, chunks=chunks: (start_response('200 OK', []), chunks)[1])
            # What an earlier request left there.
            gateway.environ_buffer[:] = b'\x00' * size
            result = gateway.call(['REQUEST_METHOD', 'GET'], None, TOKEN)
            expected = b''.join(chunks) if type(chunks) is list else 'café'.encode()
            # Its length, negated when it is not ASCII.
            self.assertEqual(type(result), int)
            self.assertEqual((result < 0, bytes(gateway.environ_buffer[:abs(result)])), (not expected.isascii(), expected))
            self.assertEqual(len(gateway.environ_buffer), size)
        for chunks, expected in (([b'x' * size, b'!'], 'x' * size + '!'), ([b'\xe9' * (size + 1)], b'\xe9' * (size + 1))):
            gateway = bound_gateway(lambda environ, start_response, chunks=chunks: (start_response('200 OK', []), chunks)[1])
            result = gateway.call(['REQUEST_METHOD', 'GET'], None, TOKEN)
            self.assertEqual((type(result), result), (type(expected), expected))

    def test_a_list_with_anything_but_bytes_is_the_apps_error(self):
        result, _ = call(lambda environ, start_response: (start_response('200 OK', []), [b'ok', 'text'])[1])
        self.assertIn("TypeError: The body must give bytes, not str 'text'", result)

    def test_a_str_or_bytes_result_is_the_apps_error(self):
        for value, quoted in (('hello', "str 'hello'"), (b'hello', "bytes b'hello'")):
            result, _ = call(lambda environ, start_response, value=value: (start_response('200 OK', []), value)[1])
            self.assertIn(f'TypeError: The app must return an iterable of bytes, not {quoted}', result)

    def test_an_exception_before_headers_comes_back_as_its_traceback(self):
        def app(environ, start_response):
            raise RuntimeError('secret')

        result, host = call(app)
        self.assertTrue(result.startswith('Traceback (most recent call last):'))
        self.assertIn('RuntimeError: secret', result)
        self.assertEqual(host.fatal_reasons, [])

    def test_system_exit_tells_the_host_the_interpreter_is_done(self):
        def app(environ, start_response):
            sys.exit(3)

        result, host = call(app)
        self.assertIn('SystemExit: 3', result)
        self.assertEqual(host.fatal_reasons, ['the app raised SystemExit(3)'])

    def test_close_runs_when_the_body_cannot_be_iterated(self):
        closed = []

        class Unreadable:
            def __iter__(self):
                raise OSError('cannot read the body')

            def close(self):
                closed.append(True)

        result, _ = call(lambda environ, start_response: (start_response('200 OK', []), Unreadable())[1])
        self.assertIn('OSError: cannot read the body', result)
        self.assertEqual(closed, [True])


class BodyPulls(unittest.TestCase):
    def body(self, iterable, host=None):
        host = host or Host()
        self.gateway = bridge.Gateway(None)
        return bridge.Body(iterable, iter(iterable), host, bridge.StartResponse(host, host.token), self.gateway), host

    def test_next_gives_bytes_then_none(self):
        body, _ = self.body(chunk for chunk in [b'a', b'', b'b'])
        self.assertEqual([body.next(), body.next(), body.next(), body.next(), body.next()], [b'a', b'', b'b', None, None])

    def test_next_hands_the_host_what_the_body_gives_at_once_where_it_lies(self):
        half = bridge.POOLED_MIN_BYTES // 2
        body, _ = self.body(chunk for chunk in [b'a' * half, b'', b'b' * half])
        capacity = bridge.POOLED_MIN_BYTES * 2
        got = body.next(capacity)
        self.assertEqual(got, -2)
        self.assertEqual(handed_over(self.gateway, got), b'a' * half + b'b' * half)
        self.assertIsNone(body.next(capacity))
        # Nothing was copied in Python: the gather buffer was not even made.
        self.assertIsNone(self.gateway.gather_buffer)

    def test_a_pull_that_brings_less_than_the_pooled_minimum_comes_as_bytes(self):
        # A host may hold its buffer until a MiB more has followed: an event stream must not pin one per event.
        body, _ = self.body(chunk for chunk in [b'a', b'', b'b'])
        capacity = bridge.POOLED_MIN_BYTES * 2
        self.assertEqual([body.next(capacity), body.next(capacity)], [b'ab', None])
        # Nothing was gathered there, so the gateway has not even made its buffer.
        self.assertIsNone(self.gateway.gather_buffer)

    def test_a_chunk_that_is_not_bytes_is_the_apps_error(self):
        body, _ = self.body(chunk for chunk in [b'a', 42])
        self.assertEqual(body.next(), b'a')
        self.assertIn('TypeError: The body must give bytes, not int 42', body.next())

    def test_an_exception_in_the_generator_comes_back_as_its_traceback(self):
        def chunks():
            yield b'partial'
            raise ValueError('broken generator')

        body, _ = self.body(chunks())
        self.assertEqual(body.next(), b'partial')
        failure = body.next()
        self.assertIn('ValueError: broken generator', failure)
        self.assertIn("raise ValueError('broken generator')", failure)

    def test_system_exit_in_the_body_is_fatal(self):
        def chunks():
            raise SystemExit('stop')
            yield b''

        body, host = self.body(chunks())
        self.assertIn('SystemExit: stop', body.next())
        self.assertEqual(host.fatal_reasons, ['the app raised SystemExit(stop)'])

    def test_close_calls_the_iterables_close_and_lets_go_of_it(self):
        closed = []

        class Chunks:
            def __iter__(self):
                return iter([b'x'])

            def close(self):
                closed.append(True)

        body, _ = self.body(Chunks())
        self.assertIsNone(body.close())
        self.assertEqual(closed, [True])
        self.assertEqual((body._result, body._iterator, body._host), (None, None, None))
        # A second close has nothing left to close.
        self.assertIsNone(body.close())
        self.assertEqual(closed, [True])

    def test_close_of_a_generator_runs_its_finally(self):
        ran = []

        def chunks():
            try:
                yield b'a'
                yield b'b'
            finally:
                ran.append('finally')

        body, _ = self.body(chunks())
        body.next()
        body.close()
        self.assertEqual(ran, ['finally'])

    def test_an_iterable_without_close_closes_quietly(self):
        body, _ = self.body(iter([b'a']))
        self.assertIsNone(body.close())

    def test_close_that_raises_comes_back_as_its_traceback(self):
        class Chunks:
            def __iter__(self):
                return iter([])

            def close(self):
                raise RuntimeError('close failed')

        body, _ = self.body(Chunks())
        self.assertIn('RuntimeError: close failed', body.close())


KIB = b'k' * 1024


def handed_over(gateway, got):
    """What a pull handed the host, read as the host reads it: -n chunks from their addresses and lengths in
    span_buffer (here straight out of the process's memory), or the `got` bytes copied into gather_buffer."""
    if got >= 0:
        return bytes(gateway.gather_buffer[:got])
    spans = memoryview(gateway.span_buffer).cast(bridge.SPAN_WORD)
    return b''.join(ctypes.string_at(spans[i], spans[i + 1]) for i in range(0, -got * 2, 2))


class GathersChunks(unittest.TestCase):
    """Body.next(capacity) brings what the body gives at once, up to GATHER_BYTES, in one crossing: where it lies, or copied into gather_buffer."""

    def setUp(self):
        self.clock = FakeClock()
        self.saved_clock, bridge._clock = bridge._clock, self.clock
        # The host's buffer is as large as the gateway's.
        self.capacity = bridge.GATHER_BYTES

    def tearDown(self):
        bridge._clock = self.saved_clock

    def pulled(self, app):
        """Gateway.call for `app`, a pulled body, and the host; the gateway is kept for next()."""
        host = Host()
        self.gateway = bound_gateway(app, host=host)
        return self.gateway.call(['REQUEST_METHOD', 'GET', 'PATH_INFO', '/'], None, host.token), host

    def body(self, chunks, headers=(), log=None):
        """Gateway.call of generator_app(chunks): the Body the rest is pulled from, the log and the host."""
        app, log = generator_app(chunks, headers=headers, log=log)
        (pulled_chunks, body, failure, _), host = self.pulled(app)
        self.assertIsNone(failure)
        return body, log, host

    def next(self, body):
        """body.next(capacity): the bytes it handed over, as the host reads them, or what it gave otherwise."""
        got = body.next(self.capacity)
        return handed_over(self.gateway, got) if type(got) is int else got

    def test_chunks_are_gathered_up_to_the_byte_budget(self):
        chunk = b'c' * (64 * 1024)
        body, log, _ = self.body([chunk] * 40)
        self.assertEqual(len(log), 1)
        per_pull = bridge.GATHER_BYTES // len(chunk)
        self.assertEqual(self.next(body), chunk * per_pull)
        self.assertEqual(len(log), 1 + per_pull)
        spans = self.gateway.span_buffer
        self.assertEqual(self.next(body), chunk * per_pull)
        self.assertEqual(self.next(body), chunk * (40 - 1 - 2 * per_pull))
        # Every pull writes into the same bytearray, which the host reads where it is.
        self.assertIs(self.gateway.span_buffer, spans)
        self.assertIsNone(self.gateway.gather_buffer)
        self.assertIsNone(self.next(body))
        self.assertIsNone(body.close())
        self.assertEqual(log[-1], 'closed')

    def test_the_chunks_handed_over_stay_alive_until_the_next_pull(self):
        # Fresh chunks the body keeps no reference to: the host copies them out after next() returns.
        body, log, _ = self.body(bytes([i % 250 + 1]) * (64 * 1024) for i in range(48))
        got = body.next(self.capacity)
        self.assertEqual(got, -16)
        gc.collect()
        # Were they freed, these would take their memory.
        reuse = [bytes([255]) * (64 * 1024) for _ in range(64)]
        self.assertEqual(handed_over(self.gateway, got), b''.join(bytes([i + 2]) * (64 * 1024) for i in range(16)))
        del reuse
        self.assertEqual(self.next(body), b''.join(bytes([i + 18]) * (64 * 1024) for i in range(16)))
        body.close()
        self.assertIsNone(body._held)

    def test_more_chunks_than_span_limit_are_gathered_into_gather_buffer(self):
        small = bridge.GATHER_BYTES // (bridge.SPAN_LIMIT * 2)
        body, log, _ = self.body([KIB * 64] + [bytes([i % 250 + 1]) * small for i in range(bridge.SPAN_LIMIT * 2)])
        got = body.next(self.capacity)
        self.assertEqual(got, bridge.GATHER_BYTES)
        self.assertEqual(handed_over(self.gateway, got), b''.join(bytes([i % 250 + 1]) * small for i in range(bridge.SPAN_LIMIT * 2)))
        self.assertIsNone(self.gateway.span_buffer)
        body.close()

    def test_without_a_buffer_of_the_hosts_a_pull_takes_one_chunk(self):
        body, log, _ = self.body([KIB * 64, b'one', b'two'])
        self.assertEqual([body.next(), body.next(), body.next()], [b'one', b'two', None])

    def test_what_does_not_fit_the_hosts_buffer_comes_as_bytes(self):
        big = b'b' * (bridge.GATHER_BYTES + 1)
        body, log, _ = self.body([KIB * 64, big, b'after'])
        self.assertIs(body.next(self.capacity), big)
        self.assertIsNone(self.gateway.gather_buffer)
        self.assertEqual(self.next(body), b'after')

    def test_a_smaller_buffer_gathers_less(self):
        self.capacity = 4
        body, log, _ = self.body([KIB * 64, b'one', b'two', b'three'])
        self.assertEqual(self.next(body), b'onetwo')
        self.assertEqual(self.next(body), b'three')

    def test_a_chunk_that_kept_others_waiting_ends_the_gathering_and_later_pulls_take_one_chunk(self):
        body, log, _ = self.body([KIB * 64] + [b'event'] * 6)
        # The pull starts at 0 and its first chunk comes at once; the second comes late.
        self.clock.steps = [0.0, 0.0, bridge.HELD_SECONDS * 2]
        self.assertEqual(self.next(body), b'event' * 2)
        self.assertEqual([self.next(body) for _ in range(5)], [b'event'] * 4 + [None])
        body.close()

    def test_a_pull_past_its_time_ends_alone_and_the_next_one_gathers_again(self):
        # A busy machine took the CPU away for a few milliseconds in the middle of a pull.
        body, log, _ = self.body([KIB * 64] + [b'chunk'] * 6)
        self.clock.steps = [0.0, 0.0, bridge.GATHER_SECONDS * 2]
        self.assertEqual(self.next(body), b'chunk' * 2)
        self.assertEqual([self.next(body), self.next(body)], [b'chunk' * 4, None])
        body.close()

    def test_a_first_chunk_that_takes_its_time_ends_the_pull_with_nothing_held_back(self):
        # An event stream whose events come one at a time: each pull waits for one and sends it.
        body, log, _ = self.body([KIB * 64] + [b'event'] * 3)
        self.clock.steps = [0.0, bridge.HELD_SECONDS * 2, 0.0, bridge.HELD_SECONDS * 2, 0.0, bridge.HELD_SECONDS * 2]
        self.assertEqual([self.next(body) for _ in range(4)], [b'event'] * 3 + [None])
        body.close()

    def test_it_stops_one_byte_past_the_apps_content_length(self):
        declared = 100 * 1024 - 1
        body, log, _ = self.body([KIB] * 200, headers=[('Content-Length', str(declared))])
        self.assertEqual(len(log), 64)
        self.assertEqual(self.next(body), KIB * 36)
        self.assertEqual(len(log), 100)
        body.close()

    def test_what_the_body_raises_after_gathered_chunks_comes_on_the_next_pull(self):
        def chunks():
            yield KIB * 64
            yield b'one'
            yield b'two'
            raise SystemExit('stop')

        app = lambda environ, start_response: (start_response('200 OK', []), chunks())[1]  # noqa: E731
        (_, body, _, _), host = self.pulled(app)
        self.assertEqual((self.next(body), host.fatal_reasons), (b'onetwo', []))
        self.assertIn('SystemExit: stop', self.next(body))
        self.assertEqual(host.fatal_reasons, ['the app raised SystemExit(stop)'])

    def test_a_write_from_inside_the_body_goes_out_after_the_chunks_gathered_before_it(self):
        def app(environ, start_response):
            write = start_response('200 OK', [])

            def body():
                yield KIB * 64
                yield b'one'
                write(b'two')
                yield b'three'
            return body()

        (_, body, _, _), host = self.pulled(app)
        self.assertEqual(self.next(body), b'three')
        self.assertEqual(host.written, [b'one', b'two'])


def pulled(app, method='GET', host=None):
    """Gateway.call for `app`: the result and the host."""
    return call(app, ['REQUEST_METHOD', method], host=host)


def generator_app(chunks, status='200 OK', headers=(), log=None):
    """An app whose body is a generator of `chunks`, recording in `log` how far it got and that it closed."""
    log = log if log is not None else []

    def app(environ, start_response):
        start_response(status, list(headers))

        def body():
            try:
                for chunk in chunks:
                    log.append(len(chunk))
                    yield chunk
            finally:
                log.append('closed')
        return body()
    return app, log


class PullsAsTheCoreDoes(unittest.TestCase):
    """Gateway.call pulls a generator as far as the core pulls it at once (src/core/body-pump.ts), no further."""

    def test_a_short_generator_comes_back_whole_as_bytes_and_closed(self):
        app, log = generator_app([b'<p>', b'', b'hi', b'</p>'])
        result, _ = pulled(app)
        self.assertEqual(result, '<p>hi</p>')
        self.assertEqual(log, [3, 0, 2, 4, 'closed'])

    def test_a_generator_that_ends_before_any_bytes_comes_back_whole_and_closed(self):
        for given in ([], [b'', b'']):
            app, log = generator_app(given)
            result, _ = pulled(app)
            self.assertEqual((result, log), ('', [0] * len(given) + ['closed']), given)

    def test_a_long_one_stops_at_the_cores_limit_and_the_rest_is_pulled_chunk_by_chunk(self):
        app, log = generator_app([KIB] * 100)
        (chunks, body, failure, close_failure), _ = pulled(app)
        self.assertEqual((len(chunks), failure, close_failure), (64, None, None))
        self.assertEqual(log, [1024] * 64)
        self.assertEqual(body.next(), KIB)
        self.assertEqual(len(log), 65)
        self.assertIsNone(body.close())
        self.assertEqual(log[-1], 'closed')

    def test_it_stops_one_byte_past_the_apps_content_length(self):
        app, log = generator_app([b'abc'] * 10, headers=[('Content-Length', '5')])
        (chunks, body, _, _), _ = pulled(app)
        self.assertEqual(chunks, [b'abc', b'abc'])
        self.assertEqual(log, [3, 3])
        body.close()

    def test_head_and_bodiless_statuses_stop_after_the_first_chunk(self):
        for method, status in (('HEAD', '200 OK'), ('GET', '204 No Content'), ('GET', '304 Not Modified')):
            app, log = generator_app([b'', b'a', b'b', b'c'], status=status)
            (chunks, body, _, _), _ = pulled(app, method)
            self.assertEqual((chunks, log), ([b'a'], [0, 1]), (method, status))
            body.close()

    def test_after_write_a_head_request_or_a_bodiless_status_pulls_nothing_more(self):
        for method, status in (('HEAD', '200 OK'), ('GET', '304 Not Modified')):
            log = []

            def app(environ, start_response):
                start_response(status, [])(b'head')

                def body():
                    for chunk in (b'a', b'b'):
                        log.append(len(chunk))
                        yield chunk
                return body()

            (chunks, body, _, _), _ = pulled(app, method)
            self.assertEqual((chunks, log), ([], []), (method, status))
            body.close()

    def test_an_iterable_whose_iterator_has_only_next_is_pulled_as_pythons_own_for_loop_would(self):
        class NextOnly:
            def __init__(self):
                self.left = [b'a', b'b']

            def __next__(self):
                if not self.left:
                    raise StopIteration
                return self.left.pop(0)

        class Iterable:
            def __iter__(self):
                return NextOnly()

        def app(environ, start_response):
            start_response('200 OK', [])
            return Iterable()
        self.assertEqual([chunk for chunk in Iterable()], [b'a', b'b'])
        result, _ = pulled(app)
        self.assertEqual(result, 'ab')

    def test_a_chunk_before_start_response_is_handed_over_as_is_and_nothing_after_it(self):
        log = []

        def app(environ, start_response):
            def body():
                log.append('first')
                yield b'too early'
                log.append('second')
                start_response('200 OK', [])
                yield b'late'
            return body()

        (chunks, body, failure, _), host = pulled(app)
        self.assertEqual((chunks, failure, log, host.started), ([b'too early'], None, ['first'], []))
        body.close()

    def test_what_the_generator_raises_comes_after_the_chunks_before_it(self):
        def chunks():
            yield b'partial'
            raise ValueError('broken generator')

        (got, body, failure, close_failure), _ = pulled(lambda environ, start_response: (start_response('200 OK', []), chunks())[1])
        self.assertEqual((got, close_failure), ([b'partial'], None))
        self.assertIn('ValueError: broken generator', failure)
        self.assertIsInstance(body, bridge.Body)

    def test_a_chunk_that_is_not_bytes_ends_the_pull_with_the_apps_error(self):
        (got, _, failure, _), _ = pulled(lambda environ, start_response: (start_response('200 OK', []), iter([b'a', 42]))[1])
        self.assertEqual(got, [b'a'])
        self.assertIn('TypeError: The body must give bytes, not int 42', failure)

    def test_write_from_inside_the_body_goes_out_after_the_chunks_pulled_before_it(self):
        def app(environ, start_response):
            write = start_response('200 OK', [])

            def body():
                yield b'one'
                write(b'two')
                yield b'three'
            return body()

        result, host = pulled(app)
        self.assertEqual((host.written, result), ([b'one', b'two'], 'three'))

    def test_exc_info_after_a_pulled_chunk_reraises_as_headers_are_sent(self):
        def app(environ, start_response):
            start_response('200 OK', [])

            def body():
                yield b'sent'
                try:
                    raise KeyError('late')
                except KeyError:
                    start_response('500 Internal Server Error', [], sys.exc_info())
                yield b'never'
            return body()

        (got, _, failure, _), host = pulled(app)
        self.assertEqual((got, host.written), ([], [b'sent']))
        self.assertIn("KeyError: 'late'", failure)
        self.assertEqual([status for status, _, _ in host.started], ['200 OK'])

    def test_a_close_that_raises_after_the_end_comes_back_with_the_chunks(self):
        class Chunks:
            def __iter__(self):
                return iter([b'x', b'y'])

            def close(self):
                raise RuntimeError('close failed')

        (got, body, failure, close_failure), _ = pulled(lambda environ, start_response: (start_response('200 OK', []), Chunks())[1])
        self.assertEqual((got, body, failure), ([b'x', b'y'], None, None))
        self.assertIn('RuntimeError: close failed', close_failure)

    def test_bytes_written_before_the_body_count_toward_the_limit(self):
        def app(environ, start_response):
            start_response('200 OK', [])(b'w' * (63 * 1024))
            return (chunk for chunk in [KIB] * 10)

        (got, body, _, _), host = pulled(app)
        self.assertEqual((len(host.written), len(got)), (1, 1))
        body.close()


class LoadApp(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.name = f'app_{uuid.uuid4().hex}'
        self.saved_path = list(sys.path)

    def tearDown(self):
        sys.path[:] = self.saved_path
        for name in [name for name in sys.modules if name.startswith(self.name)]:
            del sys.modules[name]
        self.folder.cleanup()

    def write(self, source, name=None):
        path = os.path.join(self.folder.name, f'{name or self.name}.py')
        with open(path, 'w') as file:
            file.write(textwrap.dedent(source))
        return path

    def test_module_and_callable(self):
        self.write('def simple_app(environ, start_response):\n    return [b"simple"]\n')
        app = bridge.load_app(f'{self.name}:simple_app', [self.folder.name])
        self.assertEqual(app({}, None), [b'simple'])
        self.assertEqual(sys.path[0], self.folder.name)

    def test_module_alone_means_application_and_dotted_attributes_are_followed(self):
        self.write('''
            def application(environ, start_response):
                return [b"default"]

            class Holder:
                class inner:
                    @staticmethod
                    def app(environ, start_response):
                        return [b"nested"]
        ''')
        self.assertEqual(bridge.load_app(self.name, [self.folder.name])({}, None), [b'default'])
        self.assertEqual(bridge.load_app(f'{self.name}:Holder.inner.app', [self.folder.name])({}, None), [b'nested'])

    def test_a_missing_module_names_it_and_sys_path_on_one_line(self):
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}_absent:app', [self.folder.name])
        message = str(caught.exception)
        self.assertTrue(message.startswith(f"No module named '{self.name}_absent'; sys.path is [{self.folder.name!r}"), message)
        self.assertNotIn('\n', message)

    def test_a_missing_package_of_the_module_is_named(self):
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}_absent.sub:app', [self.folder.name])
        self.assertTrue(str(caught.exception).startswith(f"No module named '{self.name}_absent'; "), str(caught.exception))

    def test_a_module_missing_inside_the_app_shows_the_apps_traceback(self):
        path = self.write(f'import {self.name}_dependency\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(self.name, [self.folder.name])
        message = str(caught.exception)
        self.assertIn(f"Importing '{self.name}' failed (ModuleNotFoundError: No module named '{self.name}_dependency')", message)
        self.assertIn(f'File "{path}", line 1', message)

    def test_a_missing_callable_names_the_module_file_and_the_attribute(self):
        path = self.write('application = None\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}:nowhere', [self.folder.name])
        self.assertEqual(str(caught.exception), f"Module {self.name!r} ({path}) has no attribute 'nowhere'")

    def test_something_not_callable_is_refused(self):
        self.write('application = 42\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(self.name, [self.folder.name])
        self.assertEqual(str(caught.exception), f"'{self.name}' is not callable (got 42)")

    def test_a_syntax_error_names_the_file_and_line(self):
        path = self.write('def application(environ, start_response):\n    return [b"ok"]\n\ndef broken(:\n    pass\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(self.name, [self.folder.name])
        self.assertTrue(str(caught.exception).startswith(f'SyntaxError in {path}, line 4: '), str(caught.exception))

    def test_an_error_while_importing_names_the_module_and_its_traceback(self):
        path = self.write('import os\nraise RuntimeError("no database")\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(self.name, [self.folder.name])
        message = str(caught.exception)
        self.assertIn(f"Importing '{self.name}' failed (RuntimeError: no database)", message)
        self.assertIn(f'File "{path}", line 2', message)

    def test_a_factory_call_with_literal_arguments_makes_the_app_once(self):
        self.write('''
            calls = []

            def create_app(name='default', *, debug=False, tags=()):
                calls.append((name, debug, tags))

                def app(environ, start_response):
                    return [f'{name} {debug} {tags}'.encode()]
                return app

            class Holder:
                @staticmethod
                def make(prefix):
                    return lambda environ, start_response: [prefix]
        ''')
        app = bridge.load_app(f'{self.name}:create_app()', [self.folder.name])
        self.assertEqual(app({}, None), [b'default False ()'])
        app = bridge.load_app(f"{self.name}:create_app('a:b(c)', debug=True, tags=('x', 1))", [self.folder.name])
        self.assertEqual(app({}, None), [b"a:b(c) True ('x', 1)"])
        self.assertEqual(bridge.load_app(f"{self.name}:Holder.make(b'held')", [self.folder.name])({}, None), [b'held'])
        self.assertEqual(len(sys.modules[self.name].calls), 2)

    def test_a_factory_named_without_its_call_is_refused_with_the_spelling_that_works(self):
        self.write('def create_app(test_config=None):\n    return None\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}:create_app', [self.folder.name])
        self.assertEqual(str(caught.exception),
                         'create_app(test_config=None) cannot be called as a WSGI app is, app(environ, start_response): '
                         f"if it is a factory that makes the app, call it: '{self.name}:create_app()'")

    def test_apps_that_take_environ_and_start_response_in_any_form_are_taken(self):
        self.write('''
            class AppClass:
                def __init__(self, environ, start_response):
                    self.body = [b'class']

                def __iter__(self):
                    return iter(self.body)

            class Instance:
                def __call__(self, env, start_response, extra=None):
                    return [b'instance']

            instance = Instance()

            def loose(*args, **kwargs):
                return [b'loose']
        ''')
        for name, body in (('AppClass', [b'class']), ('instance', [b'instance']), ('loose', [b'loose'])):
            self.assertEqual(list(bridge.load_app(f'{self.name}:{name}', [self.folder.name])({}, None)), body, name)

    def test_a_factory_whose_parameters_do_not_match_the_call_is_refused_on_one_line(self):
        self.write('def create_app(config):\n    raise AssertionError("not called")\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}:create_app(1, 2)', [self.folder.name])
        self.assertEqual(str(caught.exception),
                         "create_app(1, 2) does not match the factory's parameters (config): too many positional arguments")
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f"{self.name}:create_app(config='x', debug=True)", [self.folder.name])
        self.assertEqual(str(caught.exception), "create_app(config='x', debug=True) does not match the factory's parameters "
                                                "(config): got an unexpected keyword argument 'debug'")

    def test_a_factory_that_raises_is_named_on_the_first_line_then_its_traceback(self):
        path = self.write('def create_app():\n    raise RuntimeError("no database")\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}:create_app()', [self.folder.name])
        first, traceback_text = str(caught.exception).split('\n', 1)
        self.assertEqual(first, f'The factory raised RuntimeError: no database, at {path} line 2')
        self.assertIn(f'File "{path}", line 2, in create_app', traceback_text)
        self.assertNotIn('wsgi_edge_bridge', traceback_text)

    def test_a_factory_that_returns_none_or_something_not_callable_is_refused(self):
        self.write('def nothing():\n    return None\n\ndef number():\n    return 42\n\ndef factory():\n    return nothing\n')
        for spec, message in ((f'{self.name}:nothing()', 'The factory returned None, not a WSGI app'),
                              (f'{self.name}:number()', f"'{self.name}:number()' is not callable (got 42)")):
            with self.assertRaises(bridge.LoadError) as caught:
                bridge.load_app(spec, [self.folder.name])
            self.assertEqual(str(caught.exception), message)
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}:factory()', [self.folder.name])
        self.assertRegex(str(caught.exception), r'^The factory gave <function nothing at 0x\w+>, which cannot be called as a '
                                                r'WSGI app is, app\(environ, start_response\)$')

    def test_a_file_name_for_a_module_is_answered_with_the_module_to_name(self):
        self.write('def application(environ, start_response):\n    return []\n')
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.load_app(f'{self.name}.py:application', [self.folder.name])
        self.assertEqual(str(caught.exception), f"'{self.name}.py' is a file name: name its module, '{self.name}', with its "
                                                f'folder on the path (wsgi-edge serve takes path/{self.name}.py itself)')

    def test_a_bad_spelling_is_refused_before_anything_is_imported_or_put_on_sys_path(self):
        self.write('raise AssertionError("imported")\n')
        with self.assertRaises(bridge.LoadError):
            bridge.load_app(f'{self.name}:create_app(os.environ)', [self.folder.name])
        self.assertNotIn(self.name, sys.modules)
        self.assertNotIn(self.folder.name, sys.path)


class ParseAppSpec(unittest.TestCase):
    """gunicorn's spelling (module:name, module:factory(literals)), plus dotted names (obj.attr)."""

    def test_names_and_dotted_names(self):
        self.assertEqual(bridge.parse_app_spec('pkg.mod:app'), ('pkg.mod', ['app'], None))
        self.assertEqual(bridge.parse_app_spec('mod:obj.inner.app'), ('mod', ['obj', 'inner', 'app'], None))

    def test_the_module_alone_or_an_empty_name_means_application(self):
        self.assertEqual(bridge.parse_app_spec('mod'), ('mod', ['application'], None))
        self.assertEqual(bridge.parse_app_spec('mod:'), ('mod', ['application'], None))

    def test_calls_take_literal_arguments_as_ast_literal_eval_reads_them(self):
        self.assertEqual(bridge.parse_app_spec('mod:create_app()'), ('mod', ['create_app'], ([], {})))
        self.assertEqual(
            bridge.parse_app_spec("mod:obj.make('a:b', -1, 2.5, None, True, b'x', [1, (2, 3)], {'k': {4}}, name=\"n\", debug=False)"),
            ('mod', ['obj', 'make'], (['a:b', -1, 2.5, None, True, b'x', [1, (2, 3)], {'k': {4}}], {'name': 'n', 'debug': False})))

    def test_only_the_first_colon_separates_the_module(self):
        self.assertEqual(bridge.parse_app_spec("mod:f('x:y', z='1:2')"), ('mod', ['f'], (['x:y'], {'z': '1:2'})))

    def test_arguments_that_are_not_literals_are_refused_naming_the_first(self):
        for expression, shown in (('f(os.environ)', 'os.environ'), ('f(1, x=open("/etc/passwd"))', "open('/etc/passwd')"),
                                  ('f(*args)', '*args'), ('f(**{"a": 1})', "**{'a': 1}"), ('f([1, g()])', '[1, g()]')):
            with self.assertRaises(bridge.LoadError, msg=expression) as caught:
                bridge.parse_app_spec(f'mod:{expression}')
            self.assertEqual(str(caught.exception),
                             'The arguments must be literals (str, bytes, numbers, True, False, None, and tuples, lists, '
                             f'dicts and sets of them), as gunicorn takes them: {shown!r} is not one')

    def test_expressions_that_are_neither_a_name_nor_a_call_are_refused(self):
        for expression in ('create_app(', 'app[0]', 'a + b', '1', 'lambda: app', 'app; import os'):
            with self.assertRaises(bridge.LoadError, msg=expression) as caught:
                bridge.parse_app_spec(f'mod:{expression}')
            self.assertEqual(str(caught.exception),
                             f'{expression!r} is neither a name (app, obj.app) nor a call of one with literal arguments '
                             "(create_app(), create_app('dev', debug=True))")

    def test_a_call_of_something_unnamed_is_refused(self):
        with self.assertRaises(bridge.LoadError) as caught:
            bridge.parse_app_spec('mod:make()()')
        self.assertEqual(str(caught.exception),
                         "The function called must be named by a name or a dotted one (factory(), obj.factory()), not 'make()'")

    def test_a_module_part_that_is_no_module_name_says_what_was_meant(self):
        cases = (
            ('dir/app.py:app', "'dir/app.py' is a file name: name its module, 'app', with its folder on the path "
                               '(wsgi-edge serve takes path/app.py itself)'),
            ('flaskr.create_app()', "'flaskr.create_app()' is not a module name: did you mean 'flaskr:create_app()'?"),
            ('my-app:app', "'my-app' is not a module name (package.module, then :callable)"),
            ('', "'' is not a module name (package.module, then :callable)"),
        )
        for spec, message in cases:
            with self.assertRaises(bridge.LoadError, msg=spec) as caught:
                bridge.parse_app_spec(spec)
            self.assertEqual(str(caught.exception), message)


class ReplaceEnviron(unittest.TestCase):
    def setUp(self):
        self.saved = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def test_os_environ_becomes_exactly_the_hosts_keeping_home_where_the_host_has_none(self):
        home = os.environ.get('HOME')
        os.environ['WSGI_EDGE_STALE'] = 'from where a snapshot was made'
        bridge.replace_environ(['DATABASE_URL', 'sqlite:///x', 'EMPTY', '', 'UNICODE', 'é☃'])
        expected = {'DATABASE_URL': 'sqlite:///x', 'EMPTY': '', 'UNICODE': 'é☃'}
        if home is not None:
            expected['HOME'] = home
        self.assertEqual({name: value for name, value in os.environ.items() if name != 'LD_LIBRARY_PATH'}, expected)
        # The C environment under os.environ follows it (subprocesses, getenv in extensions).
        self.assertNotIn('WSGI_EDGE_STALE', subprocess.run(['/usr/bin/env'], capture_output=True, text=True, check=True).stdout)
        bridge.replace_environ(['HOME', '/srv/app'])
        self.assertEqual(os.environ['HOME'], '/srv/app')
        self.assertNotIn('DATABASE_URL', os.environ)

    def test_one_value_set_again_or_taken_away_and_the_c_environment_follows(self):
        bridge.replace_environ(['KEEP', 'kept'])
        bridge.set_environ_value('_X_AMZN_TRACE_ID', 'Root=1-a')
        bridge.set_environ_value('_X_AMZN_TRACE_ID', 'Root=1-b')
        self.assertEqual(os.environ['_X_AMZN_TRACE_ID'], 'Root=1-b')
        self.assertIn('_X_AMZN_TRACE_ID=Root=1-b', subprocess.run(['/usr/bin/env'], capture_output=True, text=True, check=True).stdout)
        bridge.set_environ_value('_X_AMZN_TRACE_ID', None)
        bridge.set_environ_value('NEVER_SET', None)
        self.assertNotIn('_X_AMZN_TRACE_ID', os.environ)
        self.assertNotIn('_X_AMZN_TRACE_ID', subprocess.run(['/usr/bin/env'], capture_output=True, text=True, check=True).stdout)
        self.assertEqual(os.environ['KEEP'], 'kept')


def core_field_value_pattern():
    """The core's pattern of a header value, read from src/core/protocol.ts as bridge.ts hands it over."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'core', 'protocol.ts')) as source:
        found = re.search(r"FIELD_VALUE_PATTERN = '([^']*)'", source.read())
    return found.group(1).encode().decode('unicode_escape')


class BatchHost:
    """The host of several requests at once: records every call in order, and refuses a start() as the core
    would refuse a status or header value with a control character (or a status `refused` names)."""

    def __init__(self, refused=()):
        self.events = []
        self.failures = {}
        self.refused = set(refused)

    def start(self, token, status, flat_headers, with_exc_info):
        flat = flat_headers.split('\x00') if flat_headers else []
        self.events.append(('start', token, status, flat, with_exc_info))
        if status in self.refused or any(re.search(r'[\x00-\x08\x0a-\x1f\x7f]', text) for text in [status, *flat]):
            raise bridge.JsException(f'WsgiError: refused {status!r}')
        return bridge.START_ACCEPTED

    def write(self, token, data):
        self.events.append(('write', token, data))
        return True

    def errors(self, token, text):
        self.events.append(('errors', token, text))

    def flush(self, token):
        pass

    def fail(self, token, traceback_text):
        self.events.append(('fail', token))
        self.failures[token] = traceback_text

    def fatal(self, reason):
        self.events.append(('fatal', reason))


def batch_environ(path, objects=()):
    """A request's environ as the host joins it: a platform object's key with an empty value, in place."""
    return '\x00'.join(['REQUEST_METHOD', 'GET', 'PATH_INFO', path, *(item if i % 2 == 0 else '' for i, item in enumerate(objects))])


def run_batch(gateway, paths, objects=None):
    """call_batch() of one request per path (tokens 1, 2, ...), `objects` giving some of them platform
    objects (their index: [key, value, ...]): per request (status, flat headers) of a kept start_response
    or None, and its result, a whole body read out of the buffer as the host reads it."""
    calls = []
    arguments = []
    for token, path in enumerate(paths, 1):
        own = (objects or {}).get(token - 1, [])
        calls += [batch_environ(path, own), token, len(own)]
        arguments += own
    fields = gateway.call_batch(calls, *arguments).split('\x01')
    assert fields.pop() == '', 'every field ends in SOH'
    others = iter(gateway.take_batch_objects())
    answers = []
    at = 0
    for i in range(0, len(fields), 3):
        status, headers, result = fields[i:i + 3]
        kept = (status, headers.split('\x00') if headers else []) if status else None
        if result == 'N':
            answers.append((kept, None))
        elif result == 'O':
            answers.append((kept, next(others)))
        else:
            size = int(result)
            data = bytes(gateway.environ_buffer[at:at + abs(size)])
            at += abs(size)
            answers.append((kept, data.decode('ascii') if size >= 0 else data))
    return answers


# Routes of routed_app that only answer: (headers, body).
PLAIN_ROUTES = {
    '/hello': ([('Content-Type', 'text/plain')], b'hello'),
    '/length': ([('Content-Type', 'text/plain'), ('Content-Length', '5')], b'sized'),
    '/latin': ([('Content-Type', 'text/plain')], b'caf\xe9'),
    '/newline': ([('Content-Type', 'text/plain\nX-Injected: 1')], b'never'),
    '/spaced-length': ([('Content-Type', 'text/plain'), ('Content-Length', ' 5')], b'sized'),
    '/two-lengths': ([('Content-Length', '5'), ('Content-Length', '6')], b'sized'),
    '/new-name': ([('X-Never-Seen', 'yes')], b'new'),
}


def routed_app(environ, start_response):
    """One app for a batch's requests: what each does is named by its path."""
    path = environ['PATH_INFO']
    if path in PLAIN_ROUTES:
        headers, body = PLAIN_ROUTES[path]
        start_response('200 OK', list(headers))
        return [body]
    if path == '/write':
        write = start_response('200 OK', [('Content-Type', 'text/plain')])
        write(b'written ')
        return [b'then returned']
    if path == '/replace':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        try:
            raise ValueError('changed its mind')
        except ValueError:
            start_response('500 Internal Server Error', [('Content-Type', 'text/plain')], sys.exc_info())
        return [b'replaced']
    if path == '/fails':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        raise RuntimeError('the app failed')
    if path == '/exit':
        raise SystemExit(3)
    if path == '/platform':
        # The keys in the host's order, a platform object where its key was.
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [' '.join(f'{key}={getattr(value, "name", value)}' for key, value in environ.items() if key.isupper() or key.startswith('test.')).encode()]
    if path == '/stream':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return (b'x' * 1024 for _ in range(100))
    raise AssertionError(path)


class CallBatch(unittest.TestCase):
    def setUp(self):
        # What the core accepted is remembered per process: each test starts from nothing.
        bridge._accepted_statuses.clear()
        bridge._accepted_names.clear()
        self.host = BatchHost()
        self.gateway = bridge.Gateway(routed_app)
        self.gateway.bind_host(self.host, core_field_value_pattern())

    def starts(self):
        return [event for event in self.host.events if event[0] == 'start']

    def test_runs_each_request_as_call_does_with_the_whole_bodies_one_after_another(self):
        answers = run_batch(self.gateway, ['/hello', '/latin', '/fails', '/hello'])
        self.assertEqual([result for _, result in answers], ['hello', b'caf\xe9', None, 'hello'])
        self.assertIn('RuntimeError: the app failed', self.host.failures[3])
        # The first call of a status and names crossed at once; the later one was kept, for the host.
        self.assertEqual([event[1] for event in self.starts()], [1])
        self.assertEqual([kept for kept, _ in answers], [None, ('200 OK', ['Content-Type', 'text/plain']), ('200 OK', ['Content-Type', 'text/plain']), ('200 OK', ['Content-Type', 'text/plain'])])

    def test_keeps_only_what_the_core_accepted_before(self):
        run_batch(self.gateway, ['/hello', '/length'])
        self.host.events.clear()
        answers = run_batch(self.gateway, ['/hello', '/length', '/newline', '/spaced-length', '/two-lengths', '/new-name'])
        self.assertEqual([kept is not None for kept, _ in answers], [True, True, False, False, False, False])
        # What may be refused crossed during the batch, in order, and the app met the refusal there.
        self.assertEqual([event[1] for event in self.starts()], [3, 4, 5, 6])
        self.assertIsNone(answers[2][1])
        self.assertIn('ValueError: refused', self.host.failures[3])
        self.assertEqual([result for _, result in answers[3:]], ['sized', 'sized', 'new'])

    def test_hands_a_kept_start_response_over_before_anything_else_of_its_request(self):
        run_batch(self.gateway, ['/hello'])
        self.host.events.clear()
        answers = run_batch(self.gateway, ['/write', '/replace'])
        self.assertEqual([kept for kept, _ in answers], [None, None])
        self.assertEqual(self.host.events, [
            ('start', 1, '200 OK', ['Content-Type', 'text/plain'], False),
            ('write', 1, b'written '),
            ('start', 2, '200 OK', ['Content-Type', 'text/plain'], False),
            ('start', 2, '500 Internal Server Error', ['Content-Type', 'text/plain'], True),
        ])
        self.assertEqual([result for _, result in answers], ['then returned', 'replaced'])

    def test_stops_at_a_request_that_ended_the_interpreter(self):
        ran = []
        app = routed_app

        def counting(environ, start_response):
            ran.append(environ['PATH_INFO'])
            return app(environ, start_response)

        gateway = bridge.Gateway(counting)
        gateway.bind_host(self.host, core_field_value_pattern())
        answers = run_batch(gateway, ['/hello', '/exit', '/hello'])
        self.assertEqual(ran, ['/hello', '/exit'])
        self.assertEqual([result for _, result in answers], ['hello', None])
        self.assertIn('SystemExit: 3', self.host.failures[2])
        self.assertEqual([event[0] for event in self.host.events if event[0] == 'fatal'], ['fatal'])

    def test_gives_each_request_its_own_platform_objects_where_their_keys_are(self):
        class PlatformObject:
            def __init__(self, name):
                self.name = name

        objects = {
            0: ['test.a', PlatformObject('first-a'), 'test.b', PlatformObject('first-b')],
            2: ['test.a', PlatformObject('third-a')],
        }
        answers = run_batch(self.gateway, ['/platform', '/platform', '/platform'], objects)
        self.assertEqual([result for _, result in answers], [
            'REQUEST_METHOD=GET PATH_INFO=/platform test.a=first-a test.b=first-b',
            'REQUEST_METHOD=GET PATH_INFO=/platform',
            'REQUEST_METHOD=GET PATH_INFO=/platform test.a=third-a',
        ])

    def test_holds_what_it_is_given_to_hold(self):
        held = [object(), object()]
        self.gateway.hold(iter(held))
        self.assertEqual(self.gateway._held, held)

    def test_a_body_longer_than_the_core_pulls_at_once_comes_back_pulled(self):
        run_batch(self.gateway, ['/hello'])
        (kept, pulled), = run_batch(self.gateway, ['/stream'])
        self.assertEqual(kept, ('200 OK', ['Content-Type', 'text/plain']))
        chunks, body, failure, close_failure = pulled
        self.assertEqual((sum(map(len, chunks)), failure, close_failure), (bridge.SYNC_PULL_BYTES, None, None))
        self.assertEqual(len(body.next()), 1024)
        self.assertIsNone(body.close())


if __name__ == '__main__':
    unittest.main()
