"""The seed's wsgi_app.py, ported to Python 3 with the least change.

What changed, and why: cgi.parse_qs -> urllib.parse.parse_qs and cgi.escape -> html.escape (both gone
from Python 3's cgi module); the body is bytes (PEP 3333 under Python 3), and base64 is taken of the
string's UTF-8 bytes; print is a function; the server starts only when the file is run, so that other
servers (wsgi-edge, gunicorn) can import simple_app. `python3 app/wsgi_app.py` serves it as the seed did.
One change to its answers: the two HTML pages say `charset=utf-8`. The seed's bare `text/html` makes a
browser read the form as windows-1252 and submit what is typed in that encoding (`caf%E9`, a numeric
character reference for an emoji), which parse_qs decodes as UTF-8: the page showed U+FFFD, not the text.
"""
import base64, html
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server


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
        start_response('200 OK', [('Content-Type', 'text/html; charset=utf-8')])
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
        start_response('200 OK', [('Content-Type', 'text/html; charset=utf-8')])
        return page('<tt>%s</tt> base64 encoded is: <tt>%s</tt>' + gohome,
                    html.escape(repr(my)), html.escape(base64.b64encode(my.encode()).decode()))
    else:
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'That URL is not valid']


# gunicorn's and wsgi-edge's default callable name.
application = simple_app

if __name__ == '__main__':
    print('Listening on localhost:8000')
    make_server('localhost', 8000, simple_app).serve_forever()
