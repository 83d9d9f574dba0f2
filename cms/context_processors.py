from django.conf import settings


def site(request):
    """What the header needs on every page: languages, and the signed-in user's unread count."""
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "LANGUAGES_CHOICES": settings.LANGUAGES,
        "unread_notifications": unread,
    }
