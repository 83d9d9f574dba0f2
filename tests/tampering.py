"""What someone holding the database's password can do, for the tests that prove it is noticed."""

from contextlib import contextmanager

from django.db import connection

from cms.append_only import install, uninstall


@contextmanager
def tampering(*models):
    """Lift the append-only triggers of ``models`` for the block, then put them back."""
    for model in models:
        uninstall(connection, model)
    try:
        yield
    finally:
        for model in models:
            install(connection, model)
