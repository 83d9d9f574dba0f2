"""Meetings' pages, one module per area: ``convening``, ``live``, ``feeds`` and ``resolutions``;
``common`` loads what a URL names and checks who may read it; ``moved`` redirects the meetings
list's old URLs to the community's meetings page."""
