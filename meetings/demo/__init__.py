"""Demo meetings, one module per area: ``convening`` (invited and polling meetings) and ``live``
(a finished meeting with verified minutes and resolutions, and one in progress)."""
