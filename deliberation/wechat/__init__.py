"""WeChat login: allauth's Weixin provider, choosing the authorisation that fits the browser.

On a desktop (or any browser but WeChat's own) WeChat logs in by QR code: the website application
of the WeChat Open Platform, ``qrconnect`` with ``snsapi_login``. Inside WeChat's in-app browser
(a link forwarded into a group) there is no QR to scan: the official account's web authorisation,
``oauth2/authorize`` with ``snsapi_userinfo`` and ``#wechat_redirect``. The two are different
applications with their own AppID (``WEIXIN_APP_ID`` / ``WEIXIN_MP_APP_ID``); the social-account
adapter (``deliberation.adapters.SocialAccountAdapter.list_apps``) offers the one for the browser,
and the button shows only when that one's keys are set. Bound to one open platform, both give the
same ``unionid``, which is the account's uid when WeChat sends it.
"""
