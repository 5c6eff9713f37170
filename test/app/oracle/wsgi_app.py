"""The seed's wsgi_app.py ported to Python 3: the oracle the TypeScript port is checked against.

Reads a JSON list of requests ({"method", "path", "query"}) on stdin, runs each through the app with a
wsgiref testing environ, and prints a JSON list of {"status", "headers", "body" (base64)}.
"""
import base64
import html
import json
import sys
from urllib.parse import parse_qs
from wsgiref.util import setup_testing_defaults


def page(content, *args):
    yield '<html><head><title>wsgi_app.py</title></head><body>'.encode()
    yield (content % args).encode()
    yield '</body>'.encode()


def simple_app(environ, start_response):
    gohome = '<br><a href="/">Return to the home page</a>'
    q = parse_qs(environ['QUERY_STRING'])
    if environ['PATH_INFO'] == '/':
        if environ['REQUEST_METHOD'] != 'GET' or environ['QUERY_STRING']:
            start_response('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'Error: the front page is not a form']
        start_response('200 OK', [('Content-Type', 'text/html')])
        return page('Welcome! Enter a string: <form action="encode">'
                    '<input name="mystring"><input type="submit"></form>')
    elif environ['PATH_INFO'] == '/encode':
        if environ['REQUEST_METHOD'] != 'GET':
            start_response('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'Error: this form does not support POST parameters']
        if 'mystring' not in q or not q['mystring'][0]:
            start_response('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'Error: this form requires a "mystring" parameter']
        my = q['mystring'][0]
        start_response('200 OK', [('Content-Type', 'text/html')])
        return page('<tt>%s</tt> base64 encoded is: <tt>%s</tt>' + gohome,
                    html.escape(repr(my)), html.escape(base64.b64encode(my.encode()).decode()))
    else:
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'That URL is not valid']


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
