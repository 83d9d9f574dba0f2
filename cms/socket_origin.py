"""The live socket's origin check: Channels' ``OriginValidator`` with a refusal that holds nothing.

Channels refuses a bad origin with its ``WebsocketDenier``, an ordinary consumer: on a Redis
channel layer it first opens a channel of its own and keeps a blocking read on it until the
client goes, a second or more per refused socket. A page on another site can open refused
sockets as fast as it likes, so each must cost the server nothing but the close.
"""

from urllib.parse import urlparse

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator


class Refusal(AsyncWebsocketConsumer):
    """Closes the handshake (HTTP 403). No channel layer: nothing to open, nothing to wait on."""

    channel_layer_alias = None

    async def connect(self):
        await self.close()


class ExactOriginValidator(OriginValidator):
    """Lets a socket through only when its ``Origin`` is one of the allowed ones (exact
    ``scheme://host:port``, ``cms.origins.exact_origins``); the origin is read as Channels reads
    it (the last ``Origin`` header)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("ExactOriginValidator is for WebSocket connections only")
        parsed_origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                parsed_origin = urlparse(value.decode("latin1"))  # every byte is Latin-1
        if self.valid_origin(parsed_origin):
            return await self.application(scope, receive, send)
        return await Refusal()(scope, receive, send)
