"""The framework suite's routes as a Bottle app (test/frameworks): the same paths as flask_app.py."""
import os
from datetime import datetime

from bottle import Bottle, HTTPResponse, SimpleTemplate, redirect, request, response, static_file

app = Bottle()

PAGE = SimpleTemplate('''<!doctype html>
<html><head><meta charset="utf-8"><title>Bottle page</title></head>
<body><h1>Hello, {{name}}!</h1>
<ul>
% for item in items:
<li>{{item}}</li>
% end
</ul>
</body></html>
''')


@app.get('/text')
def text():
    response.content_type = 'text/plain; charset=utf-8'
    return 'Hello from Bottle\n'


@app.get('/json')
def json_route():
    # A dict is turned into JSON by Bottle's JSONPlugin.
    return {'framework': 'bottle', 'numbers': [1, 2, 3], 'accented': 'café ☕'}


@app.get('/html')
def html():
    return PAGE.render(name=request.query.getunicode('name', default='world'), items=['one', 'two', '<three>'])


@app.get('/query')
def query():
    response.content_type = 'text/plain; charset=utf-8'
    # Bottle keeps query values as latin-1 "native strings"; getall + decode gives the UTF-8 text.
    words = [word.encode('latin-1').decode('utf-8') for word in request.query.getall('word')]
    return 'words: ' + ' | '.join(words) + '\n'


@app.post('/form')
def form():
    response.content_type = 'text/plain; charset=utf-8'
    forms = request.forms.decode()
    fields = sorted((key, value) for key in forms for value in forms.getall(key))
    return ''.join(f'{key}={value}\n' for key, value in fields)


@app.post('/json-body')
def json_body():
    data = request.json
    return {'total': sum(data['numbers']), 'greeting': data['greeting'].upper()}


@app.get('/redirect')
def go_elsewhere():
    redirect('/text')


@app.get('/cookies')
def cookies():
    response.content_type = 'text/plain; charset=utf-8'
    response.set_cookie('first', 'one')
    response.set_cookie('second', 'two', path='/cookies', httponly=True)
    response.set_cookie('third', 'three', expires=datetime(2031, 1, 1), samesite='lax')
    response.delete_cookie('gone')
    return 'cookies set\n'


@app.get('/custom-status')
def custom_status():
    return HTTPResponse('custom status\n', status='299 Fine Enough', headers={'Content-Type': 'text/plain; charset=utf-8'})


# 40 lines of about 2 KiB: over wsgi-edge's 64 KiB pulled at once (SYNC_PULL_BYTES), so it is sent as a stream.
@app.get('/stream')
def stream():
    response.content_type = 'text/plain; charset=utf-8'
    prefix = request.query.getunicode('prefix', default='chunk')
    path = request.path
    for i in range(40):
        yield f'{prefix} {i} {path} ' + '.' * 2048 + '\n'


# static/linked.html is a symlink to templates/page.html.
@app.get('/static/<name:path>')
def static(name):
    return static_file(name, root=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'static'))


@app.get('/boom')
def boom():
    return str(1 / 0)


application = app
