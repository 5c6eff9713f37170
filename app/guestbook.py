"""A guestbook: the standard library's sqlite3 behind a plain WSGI callable (no framework).

GET / lists the entries, newest first, with a form; POST / (a urlencoded form with `name` and
`message`) adds one and redirects to /. The database is the file GUESTBOOK_DB names, or else
guestbook.sqlite3 beside this file when that folder is the host's and writable (CPython; Node, Deno
and Lambda through wsgi-edge, where it is mounted), or else an in-memory one (Workers, whose files live in
Pyodide's memory and nothing outlives the isolate). Needs Python's sqlite3: under wsgi-edge, Pyodide 314.

    python3 -m wsgiref.simple_server ... / wsgi-edge serve app/guestbook.py
"""
import html
import os
import sqlite3
import sys
from urllib.parse import parse_qs

MAX_FORM_BYTES = 16 * 1024
FORM_TYPE = 'application/x-www-form-urlencoded'
HTML = 'text/html; charset=utf-8'
TEXT = 'text/plain; charset=utf-8'


def _host_folder(folder):
    """True when files written in `folder` land on the host's disk and it may be written."""
    if not os.access(folder, os.W_OK):
        return False
    if sys.platform != 'emscripten':
        return True
    try:
        import pyodide_js
        node = pyodide_js.FS.lookupPath(folder).node
        return node.mount.type == pyodide_js.FS.filesystems.NODEFS
    except Exception:
        return False


def _database_path():
    named = os.environ.get('GUESTBOOK_DB')
    if named:
        return named
    folder = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(folder, 'guestbook.sqlite3') if _host_folder(folder) else ':memory:'


DATABASE = _database_path()
STORAGE = 'memory' if DATABASE == ':memory:' else 'file'
# One connection for the process: an in-memory database lives as long as its connection.
connection = sqlite3.connect(DATABASE, check_same_thread=False)
connection.execute('CREATE TABLE IF NOT EXISTS entries '
                   '(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, message TEXT NOT NULL)')
connection.commit()


def _answer(start_response, status, content_type, body, extra=()):
    data = body.encode('utf-8')
    start_response(status, [('Content-Type', content_type), ('Content-Length', str(len(data))),
                            ('X-Guestbook-Storage', STORAGE), *extra])
    return [data]


def _page():
    rows = connection.execute('SELECT id, name, message FROM entries ORDER BY id DESC').fetchall()
    items = ''.join(f'<li id="entry-{id}"><b>{html.escape(name)}</b>: {html.escape(message)}</li>'
                    for id, name, message in rows)
    listing = f'<ol reversed>{items}</ol>' if rows else '<p>No entries yet.</p>'
    return ('<!doctype html><html><head><title>Guestbook</title></head><body><h1>Guestbook</h1>'
            f'<p>{len(rows)} entries</p>{listing}'
            '<form method="post" action="/"><input name="name"> <input name="message"> '
            '<input type="submit" value="Sign"></form></body></html>')


def _read_form(environ):
    content_type = environ.get('CONTENT_TYPE', '').split(';')[0].strip().lower()
    if content_type != FORM_TYPE:
        return None, f'Error: the form must be sent as {FORM_TYPE}'
    try:
        length = int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        return None, 'Error: Content-Length is not a number'
    if length > MAX_FORM_BYTES:
        return None, f'Error: the form is over {MAX_FORM_BYTES} bytes'
    body = environ['wsgi.input'].read(length) if length > 0 else b''
    try:
        return parse_qs(body.decode('utf-8'), strict_parsing=False), None
    except UnicodeDecodeError:
        return None, 'Error: the form is not UTF-8'


def application(environ, start_response):
    if environ.get('PATH_INFO', '') not in ('', '/'):
        return _answer(start_response, '404 Not Found', TEXT, 'Not found')
    method = environ['REQUEST_METHOD']
    if method in ('GET', 'HEAD'):
        return _answer(start_response, '200 OK', HTML, _page())
    if method != 'POST':
        return _answer(start_response, '405 Method Not Allowed', TEXT, 'Error: GET or POST only',
                       [('Allow', 'GET, HEAD, POST')])
    form, error = _read_form(environ)
    if error:
        return _answer(start_response, '400 Bad Request', TEXT, error)
    name = form.get('name', [''])[0].strip()
    message = form.get('message', [''])[0].strip()
    if not name or not message:
        return _answer(start_response, '400 Bad Request', TEXT, 'Error: name and message are both required')
    with connection:
        connection.execute('INSERT INTO entries (name, message) VALUES (?, ?)', (name[:100], message[:1000]))
    return _answer(start_response, '303 See Other', TEXT, 'Signed', [('Location', '/')])
