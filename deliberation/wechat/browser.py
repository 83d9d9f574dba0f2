def in_wechat(request) -> bool:
    """WeChat's in-app browser says so in its user agent (``MicroMessenger/8.0…``)."""
    return request is not None and "micromessenger" in request.META.get("HTTP_USER_AGENT", "").lower()
