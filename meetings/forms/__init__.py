"""Meetings' forms, one module per area: ``convening``, ``live`` and ``resolutions``."""
