"""A package-form app (`pkgapp.main:app`), imported with the current directory on sys.path."""

GREETING = "hello from pkgapp"
