"""WebSocket routes. The live minutes consumer is added with the live-minutes feature."""

websocket_urlpatterns: list = []
