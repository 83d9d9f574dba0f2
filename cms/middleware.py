from django.conf import settings
from django.utils import translation


class CookieLocaleMiddleware:
    """Chinese unless the visitor chose otherwise.

    Django's LocaleMiddleware also follows the browser's Accept-Language; our residents share
    phones and kiosks set to any language, so the site speaks Simplified Chinese until someone
    picks English with the switcher (a cookie, and the account's preference once signed in).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        translation.deactivate()
        return response
