from allauth.socialaccount.providers.weixin.client import WeixinOAuth2Client
from allauth.socialaccount.providers.weixin.provider import WeixinProvider
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.utils.translation import gettext_lazy as _

from .browser import in_wechat

QR_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/qrconnect"
IN_APP_AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"


class WechatOAuth2Client(WeixinOAuth2Client):
    def get_redirect_url(self, authorization_url, scope, extra_params):
        url = super().get_redirect_url(authorization_url, scope, extra_params)
        # WeChat's in-app authorisation page requires this fragment, or shows an error.
        return f"{url}#wechat_redirect" if authorization_url == IN_APP_AUTHORIZE_URL else url


class WechatOAuth2Adapter(WeixinOAuth2Adapter):
    client_class = WechatOAuth2Client

    @property
    def authorize_url(self):
        return IN_APP_AUTHORIZE_URL if in_wechat(self.request) else QR_AUTHORIZE_URL


class WechatProvider(WeixinProvider):
    """allauth's Weixin provider (id ``weixin``), with the authorisation chosen per browser."""

    name = _("WeChat")
    oauth2_adapter_class = WechatOAuth2Adapter

    def get_scope_from_request(self, request):
        return ["snsapi_userinfo"] if in_wechat(request) else ["snsapi_login"]

    def extract_uid(self, data):
        """The unionid when the application is bound to the open platform (one person, one account
        from the QR and from inside WeChat), else the openid."""
        return data.get("unionid") or data["openid"]

    def extract_common_fields(self, data):
        # A nickname is not a username: allauth derives a unique username; the name is shown.
        return {"name": (data.get("nickname") or "")[:60]}


provider_classes = [WechatProvider]
