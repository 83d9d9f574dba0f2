"""Demo data for the deliberation hall. ``seed_demo`` calls ``seed(ctx)`` after the places exist.

Filled by the deliberation-hall feature: realistic requests in every state.
"""


def seed(ctx) -> None:
    return None
