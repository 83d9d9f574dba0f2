from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404
from django.utils.translation import gettext as _

from .provider import WechatOAuth2Adapter

_login = OAuth2LoginView.adapter_view(WechatOAuth2Adapter)
_callback = OAuth2CallbackView.adapter_view(WechatOAuth2Adapter)


def _offered(view):
    """Without the keys of the application for this browser there is no WeChat login: a 404,
    not allauth's error for a missing application."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SocialApp.DoesNotExist as missing:
            raise Http404(_("WeChat login is not set up on this site.")) from missing

    return wrapped


oauth2_login = _offered(_login)
oauth2_callback = _offered(_callback)
