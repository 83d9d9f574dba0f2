"""Demo data for meetings. ``seed_demo`` calls ``seed(ctx)`` after the requests exist."""


def seed(ctx) -> None:
    return None
