"""Runs the seed's Python 3 app (app/wsgi_app.py) as the oracle the TypeScript port is checked against.

Reads a JSON list of requests ({"method", "path", "query"}) on stdin, runs each through the app with a
wsgiref testing environ, and prints a JSON list of {"status", "headers", "body" (base64)}.
"""
import base64
import json
import os
import sys
from wsgiref.util import setup_testing_defaults

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', 'app'))
from wsgi_app import simple_app  # noqa: E402


def run(request):
    environ = {'REQUEST_METHOD': request['method'], 'PATH_INFO': request['path'],
               'QUERY_STRING': request['query']}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer['status'] = status
        answer['headers'] = headers

    body = b''.join(simple_app(environ, start_response))
    answer['body'] = base64.b64encode(body).decode()
    return answer


if __name__ == '__main__':
    print(json.dumps([run(request) for request in json.load(sys.stdin)]))
