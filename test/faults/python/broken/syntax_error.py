"""A SyntaxError on line 3."""

def application(environ, start_response) return []
