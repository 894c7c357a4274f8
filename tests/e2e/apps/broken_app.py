"""An app that fails at import: the server must exit non-zero and show the traceback."""

raise RuntimeError("broken_app refuses to import")
