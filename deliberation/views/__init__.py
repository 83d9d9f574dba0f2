"""Deliberation's pages, one module per area: ``people`` (joining, members, roster, profile,
inbox, language), ``hall`` (the deliberation hall, served through ``models.pages.HallPage``) and
``statistics``; ``outbox`` (short links and the delivery pages); ``common`` loads what a URL names; ``moved`` redirects the hall's old URLs."""
