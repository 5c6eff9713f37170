"""CPython's wsgiref.simple_server, with the per-request log silenced.

Usage: python3 python_wsgiref.py PORT [MODULE:CALLABLE]

Without an app named, the reference line of the Node section: the seed's own app (its Python 3 port,
app/wsgi_app.py), with /hello as a plain hello-world WSGI app beside it. With one (imported
from PYTHONPATH), the app as the Python section runs it on every server. wsgiref answers HTTP/1.0 and
closes the connection after each response (wrk counts each close as a read error).
"""
import importlib
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class BacklogServer(WSGIServer):
    # socketserver's default listen backlog is 5: with wrk's 32 connections reconnecting after every
    # HTTP/1.0 response, dropped SYNs would stall the run for a second each. Only the backlog changes.
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def reference_app():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'app'))
    from wsgi_app import simple_app

    def bench_app(environ, start_response):
        if environ['PATH_INFO'] == '/hello':
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'Hello, world!']
        return simple_app(environ, start_response)
    return bench_app


def named_app(spec):
    module, _, name = spec.partition(':')
    return getattr(importlib.import_module(module), name or 'application')


if __name__ == '__main__':
    app = named_app(sys.argv[2]) if len(sys.argv) > 2 else reference_app()
    make_server('127.0.0.1', int(sys.argv[1]), app, server_class=BacklogServer, handler_class=QuietHandler).serve_forever()
