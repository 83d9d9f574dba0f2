"""Demo data for meetings. ``seed_demo`` calls ``seed(ctx)`` after the requests exist."""


def seed(ctx) -> None:
    from . import demo_live

    demo_live.seed(ctx)
