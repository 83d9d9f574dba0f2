"""Deliberation's forms, one module per area: ``people`` and ``hall``."""
