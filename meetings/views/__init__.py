"""Meetings' pages, one module per area: ``convening``, ``live``, ``feeds`` and ``resolutions``;
``common`` loads what a URL names and checks who may read it."""
