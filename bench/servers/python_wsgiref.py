"""The reference line: the seed's own app (its Python 3 port, app/wsgi_app.py) on
wsgiref.simple_server, as the seed runs it, with the per-request log silenced. /hello is a plain
hello-world WSGI app beside it. wsgiref answers HTTP/1.0 and closes the connection after each response
(wrk counts each close as a read error). Usage: python3 python_wsgiref.py PORT
"""
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'app'))
from wsgi_app import simple_app  # noqa: E402


class BacklogServer(WSGIServer):
    # socketserver's default listen backlog is 5: with wrk's 32 connections reconnecting after every
    # HTTP/1.0 response, dropped SYNs would stall the run for a second each. Only the backlog changes.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def bench_app(environ, start_response):
    if environ['PATH_INFO'] == '/hello':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'Hello, world!']
    return simple_app(environ, start_response)


if __name__ == '__main__':
    make_server('127.0.0.1', int(sys.argv[1]), bench_app, server_class=BacklogServer, handler_class=QuietHandler).serve_forever()
