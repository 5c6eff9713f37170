"""The bench's Flask app: the seed's /encode page written the ordinary Flask way (a route, request.args,
a str returned), answering the same bytes as app/wsgi_app.py, so that only the framework differs."""
import base64
import html

from flask import Flask, request

app = Flask(__name__)

PAGE = ('<html><head><title>wsgi_app.py</title></head><body>'
        '<tt>%s</tt> base64 encoded is: <tt>%s</tt><br><a href="/">Return to the home page</a></body>')


@app.get('/encode')
def encode():
    my = request.args.get('mystring')
    if not my:
        return 'Error: this form requires a "mystring" parameter', 400, {'Content-Type': 'text/plain'}
    return PAGE % (html.escape(repr(my)), html.escape(base64.b64encode(my.encode()).decode()))


application = app
