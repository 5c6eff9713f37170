"""The reference server of the framework suite: CPython's wsgiref.simple_server serving the app
`module:callable` (argv[1]) from this folder, on 127.0.0.1 and a free port. Prints
`Listening on 127.0.0.1:PORT` once it accepts requests; the access log is left out.
"""
import importlib
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


module_name, _, attribute = sys.argv[1].partition(':')
app = getattr(importlib.import_module(module_name), attribute or 'application')
server = make_server('127.0.0.1', 0, app, handler_class=QuietHandler)
print(f'Listening on 127.0.0.1:{server.server_port}', flush=True)
server.serve_forever()
