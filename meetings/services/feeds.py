"""The personal calendar feed: its secret address can be replaced, which retires the old one."""

from django.db import transaction

from deliberation.models import User, new_feed_token


@transaction.atomic
def feed_token_regenerate(*, user: User) -> str:
    user.feed_token = new_feed_token()
    user.save(update_fields=["feed_token"])
    return user.feed_token
