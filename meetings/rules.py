from . import rules_live  # noqa: F401
