"""The session and user of a WebSocket, without a wrapper around every frame it sends.

channels' ``AuthMiddlewareStack`` is ``CookieMiddleware(SessionMiddleware(AuthMiddleware(…)))``.
Its ``SessionMiddleware`` hands the application a ``send`` that saves the session and sets its
cookie, but only on ``http.response.start``: on a socket it never does either, yet it reads the
lazy session twice for every frame. A live broadcast sends one frame per viewer, and that wrapper
was about 9 µs of the 10 µs our code spent per viewer and event (bench/live_fanout.py,
decisions.md "ASGI server (measured)"). Here the session is resolved exactly as channels does it
and the server's own ``send`` is passed on.
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware


class SocketSessionMiddleware(SessionMiddleware):
    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":  # HTTP keeps the saving wrapper
            return await super().__call__(scope, receive, send)
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def SocketAuthMiddlewareStack(inner):  # noqa: N802 (named like channels' AuthMiddlewareStack)
    """``AuthMiddlewareStack`` with ``SocketSessionMiddleware``: the same session, the same user."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(inner)))
