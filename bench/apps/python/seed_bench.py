"""The seed's app (app/wsgi_app.py) as every Python server in the bench runs it, with one route beside
it: /stream/gen?mib=N, N MiB of 64 KiB chunks from a generator (one bytes object, yielded over and over).
Every other path goes to the seed's simple_app untouched."""
import re

from wsgi_app import simple_app

CHUNK = b'a' * (64 * 1024)


def application(environ, start_response):
    if environ['PATH_INFO'] == '/stream/gen':
        match = re.search(r'(?:^|&)mib=(\d+)', environ['QUERY_STRING'])
        count = min(int(match.group(1)) if match else 1, 4096) * 16
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return chunks(count)
    return simple_app(environ, start_response)


def chunks(count):
    for _ in range(count):
        yield CHUNK
