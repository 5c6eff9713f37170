"""The load run's Python app (load/run.ts, "Python" rows): the seed's app/wsgi_app.py and a streaming
app, each result wrapped so that the requests taken and the close() calls that reached Python are
counted here, in the interpreter; `/_load/stats` (not counted) gives the counts as JSON, in the shape
load/app.ts gives for the TypeScript app.
"""
import json
from urllib.parse import parse_qs

from wsgi_app import simple_app

counts = {'seedRequests': 0, 'seedCloses': 0, 'streamRequests': 0, 'streamCloses': 0}
CHUNK = b'a' * (16 * 1024)


class Counted:
    """The app's iterable, with a close() that counts, then calls the iterable's own close()."""

    def __init__(self, result, key):
        self._result = result
        self._key = key

    def __iter__(self):
        return iter(self._result)

    def close(self):
        counts[self._key] += 1
        close = getattr(self._result, 'close', None)
        if close is not None:
            close()


def stream_app(environ, start_response):
    """`/_stream?chunks=`: `chunks` (at most 4096) chunks of 16 KiB from a generator. `delay` is ignored:
    a synchronous generator cannot wait without stopping the one interpreter, so the stream goes as
    fast as the client reads it."""
    query = parse_qs(environ['QUERY_STRING'])
    chunks = min(int(query.get('chunks', ['8'])[0]), 4096)
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])
    return (CHUNK for _ in range(chunks))


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/_load/stats':
        start_response('200 OK', [('Content-Type', 'application/json'), ('Cache-Control', 'no-store')])
        return [json.dumps(counts).encode()]
    if path == '/_stream':
        counts['streamRequests'] += 1
        return Counted(stream_app(environ, start_response), 'streamCloses')
    counts['seedRequests'] += 1
    return Counted(simple_app(environ, start_response), 'seedCloses')
