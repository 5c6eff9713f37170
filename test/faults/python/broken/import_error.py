"""Fails at import, as an app with a bad setting does."""
raise RuntimeError('fault-at-import')
