"""Deliberation's pages, one module per area: ``people`` (joining, members, roster, profile,
inbox), ``hall`` (the deliberation hall) and ``statistics``; ``common`` loads what a URL names."""
