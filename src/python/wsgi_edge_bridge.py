"""Placeholder so that Workers bundling src/python/workerd.ts resolve this module; the real bridge replaces it."""
