"""The framework suite's routes as a Flask app (test/frameworks): the same paths as bottle_app.py and
django_project, so one table of requests drives all three.

PROPAGATE_EXCEPTIONS is on, so /boom's ZeroDivisionError leaves Flask and reaches the WSGI server
(wsgiref's or wsgi-edge's own 500), where Bottle and Django answer their own 500 pages.
"""
from datetime import datetime, timezone

from flask import Flask, Response, jsonify, redirect, render_template, request, send_from_directory, stream_with_context

# Flask's own static route is replaced by one without an ETag (below).
app = Flask(__name__, static_folder=None)
app.config['PROPAGATE_EXCEPTIONS'] = True


@app.route('/text')
def text():
    return Response('Hello from Flask\n', mimetype='text/plain')


@app.route('/json')
def json_route():
    return jsonify(framework='flask', numbers=[1, 2, 3], accented='café ☕')


@app.route('/html')
def html():
    return render_template('page.html', name=request.args.get('name', 'world'), items=['one', 'two', '<three>'])


@app.route('/query')
def query():
    words = request.args.getlist('word')
    return Response('words: ' + ' | '.join(words) + '\n', mimetype='text/plain')


@app.route('/form', methods=['POST'])
def form():
    fields = sorted((key, value) for key in request.form for value in request.form.getlist(key))
    return Response(''.join(f'{key}={value}\n' for key, value in fields), mimetype='text/plain')


@app.route('/json-body', methods=['POST'])
def json_body():
    data = request.get_json()
    return jsonify(total=sum(data['numbers']), greeting=data['greeting'].upper())


@app.route('/redirect')
def go_elsewhere():
    return redirect('/text')


@app.route('/cookies')
def cookies():
    response = Response('cookies set\n', mimetype='text/plain')
    response.set_cookie('first', 'one')
    response.set_cookie('second', 'two', path='/cookies', httponly=True)
    response.set_cookie('third', 'three', expires=datetime(2031, 1, 1, tzinfo=timezone.utc), samesite='Lax')
    response.delete_cookie('gone')
    return response


@app.route('/custom-status')
def custom_status():
    return Response('custom status\n', status='299 Fine Enough', mimetype='text/plain')


# 40 lines of about 2 KiB: over wsgi-edge's 64 KiB pulled at once (SYNC_PULL_BYTES), so it is sent as a stream.
@app.route('/stream')
def stream():
    prefix = request.args.get('prefix', 'chunk')

    def chunks():
        for i in range(40):
            # stream_with_context keeps `request` usable while the body is pulled.
            yield f'{prefix} {i} {request.path} ' + '.' * 2048 + '\n'
    return Response(stream_with_context(chunks()), mimetype='text/plain')


# static/linked.html is a symlink to templates/page.html. Werkzeug's ETag hashes the file's absolute path,
# which differs between the reference (this folder) and an artifact (/var/task/...): the one header that
# would differ for the same file is turned off; Last-Modified and the conditional answers stay.
@app.route('/static/<path:name>')
def static_file(name):
    return send_from_directory(app.root_path + '/static', name, etag=False)


@app.route('/boom')
def boom():
    return str(1 / 0)


application = app
