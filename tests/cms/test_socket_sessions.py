"""The WebSocket's session middleware: channels' session and user, the server's own ``send``."""

import pytest
from channels.db import database_sync_to_async

from cms.socket_sessions import SocketAuthMiddlewareStack
from tests.factories import UserFactory, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def server_send(message):
    pass


async def call(scope_type, cookie):
    seen = {}

    async def inner(scope, receive, send):
        seen.update(session_key=scope["session"].session_key, user_id=scope["user"].pk, send=send)

    headers = [(b"cookie", cookie.encode())] if cookie else []
    await SocketAuthMiddlewareStack(inner)(
        {"type": scope_type, "path": "/", "headers": headers}, None, server_send
    )
    return seen


async def test_a_socket_has_its_session_and_user_and_sends_straight_to_the_server():
    user = await database_sync_to_async(UserFactory)()
    key = await database_sync_to_async(session_cookie)(user)
    seen = await call("websocket", f"sessionid={key}")
    assert seen == {"session_key": key, "user_id": user.pk, "send": server_send}


async def test_an_anonymous_socket_has_no_user_and_http_keeps_the_session_saving_send():
    assert (await call("websocket", ""))["user_id"] is None
    assert (await call("http", ""))["send"] is not server_send
