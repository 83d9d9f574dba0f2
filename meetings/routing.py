"""WebSocket routes: one live stream per meeting (protocol in meetings/live.py)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/meetings/<id:meeting_id>/live/", consumers.LiveMeetingConsumer.as_asgi()),
]
