"""What a benchmark run as ``.venv/bin/python bench/<name>.py`` does first: the project importable
and Django set up on a SQLite database of its own, in a new temporary folder (the benchmark
migrates it). Import it before anything of Django or the project."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_on_temporary_sqlite(prefix: str) -> Path:
    """Set Django up on ``<new folder>/bench.sqlite3``; returns the folder."""
    sys.path.insert(0, str(ROOT))
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    return folder
