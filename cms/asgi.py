"""HTTP and WebSockets in one ASGI application.

Django must be set up (``get_asgi_application``) before the routing imports consumers and
models, so the WebSocket side is built in a function called after it.
"""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
django_asgi_app = get_asgi_application()


def websocket_application():
    """Exact origins only (scheme, host and port of the site itself), not every port of a host name."""
    from channels.routing import URLRouter
    from django.conf import settings

    from cms.socket_origin import ExactOriginValidator
    from cms.socket_sessions import SocketAuthMiddlewareStack
    from meetings.routing import websocket_urlpatterns

    return ExactOriginValidator(
        SocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns)), settings.WEBSOCKET_ALLOWED_ORIGINS
    )


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application()})
