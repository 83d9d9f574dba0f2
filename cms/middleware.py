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


#: The browser's 长辈模式 choice: "1" on, "0" off. A signed-in person's stored choice wins.
ELDERLY_COOKIE_NAME = "elderly_mode"


def set_elderly_cookie(response, on: bool) -> None:
    response.set_cookie(
        ELDERLY_COOKIE_NAME,
        "1" if on else "0",
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ElderlyModeMiddleware:
    """``request.elderly_mode``: the account's choice for a signed-in person, else the browser's
    cookie. The cookie follows the account, so the browser keeps the person's choice after they
    log out (after ``AuthenticationMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookie = request.COOKIES.get(ELDERLY_COOKIE_NAME)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.elderly_mode = bool(getattr(user, "elderly_mode", False))
        else:
            request.elderly_mode = cookie == "1"
        response = self.get_response(request)
        user = getattr(request, "user", None)  # a login or logout during the request changes it
        if (
            user is not None
            and user.is_authenticated
            and ELDERLY_COOKIE_NAME not in response.cookies
            and cookie != ("1" if getattr(user, "elderly_mode", False) else "0")
        ):
            set_elderly_cookie(response, bool(getattr(user, "elderly_mode", False)))
        return response


class QueryNulMiddleware:
    """Drop NUL characters from the address's parameters.

    No search, filter or page number means anything with a NUL in it, and PostgreSQL refuses
    any text that holds one (a 500 for whoever sent ``?q=%00``). Forms posted keep Django's own
    check (a clear error on the field); the address's parameters are cleaned here, once, for
    every view and page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            cleaned = request.GET.copy()
            for key in list(cleaned):
                values = [value.replace("\x00", "") for value in cleaned.getlist(key)]
                del cleaned[key]
                cleaned.setlist(key.replace("\x00", ""), values)
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)
