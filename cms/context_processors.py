from django.conf import settings


def site(request):
    """What every page needs of the site: its name and languages (the signed-in person's links
    and unread count: ``deliberation.context_processors.nav``)."""
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "LANGUAGES_CHOICES": settings.LANGUAGES,
    }
