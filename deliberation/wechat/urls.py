from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import WechatProvider

urlpatterns = default_urlpatterns(WechatProvider)
