"""Routes whose answers test/python/batch.test.ts compares served alone and served in a batch.

Every answer says, in an X-Batched header, whether its app ran inside Gateway.call_batch (the bridge's
call for the requests a server prepared together): a body cannot tell, since the answers must match.
"""
import sys


def _in_batch():
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == 'call_batch':
            return 'yes'
        frame = frame.f_back
    return 'no'


def application(environ, start_response):
    path = environ['PATH_INFO']
    batched = ('X-Batched', _in_batch())
    if path == '/hello':
        start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        return [b'hello']
    if path == '/length':
        start_response('201 Created', [('Content-Type', 'text/plain'), ('Content-Length', '5'), batched])
        return [b'sized']
    if path == '/short':
        # The core holds a body to its Content-Length: it fails the response.
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '9'), batched])
        return [b'short']
    if path == '/latin':
        start_response('200 OK', [('Content-Type', 'text/plain; charset=latin-1'), batched])
        return [b'caf\xe9']
    if path == '/newline':
        start_response('200 OK', [('Content-Type', 'text/plain\r\nX-Injected: 1'), batched])
        return [b'never sent']
    if path == '/write':
        write = start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        write(b'written, ')
        return [b'then returned']
    if path == '/replace':
        start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        try:
            raise ValueError('changed its mind')
        except ValueError:
            start_response('503 Service Unavailable', [('Content-Type', 'text/plain'), batched], sys.exc_info())
        return [b'replaced']
    if path == '/fails':
        start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        raise RuntimeError('the app failed')
    if path == '/stream':
        start_response('200 OK', [('Content-Type', 'application/octet-stream'), batched])
        return (bytes([n]) * 4096 for n in range(64))
    if path == '/object':
        start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        return [environ['test.object'].name.encode()]
    if path == '/logs':
        environ['wsgi.errors'].write('a line for the log\n')
        start_response('200 OK', [('Content-Type', 'text/plain'), batched])
        return [b'logged']
    raise AssertionError(path)
