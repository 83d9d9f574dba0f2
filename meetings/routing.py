"""WebSocket routes: one live stream per meeting (protocol in meetings/live.py)."""

from django.urls import path

import cms.converters  # noqa: F401  (registers <id:...>)

from . import consumers

websocket_urlpatterns = [
    path("ws/meetings/<id:meeting_id>/live/", consumers.LiveMeetingConsumer.as_asgi()),
]
