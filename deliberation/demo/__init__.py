"""Demo data, one module per area: ``people`` (places, households, accounts) and ``hall``
(requests in every state). ``manage.py seed_demo`` runs them, then the meetings' demo."""
