"""The exact origins the live WebSocket accepts, computed from settings (no Django imports here,
so the settings module itself can call it)."""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def exact_origins(urls) -> list[str]:
    """``scheme://host:port`` for each site URL, with the default port spelled out.

    A browser's ``Origin`` names the scheme, host and port the page came from; accepting any
    port or scheme of a trusted host name would let another service on that host (or a page
    served over plain HTTP) open a socket with the residents' cookies. Wildcard entries
    (``https://*.example.org``, allowed in ``CSRF_TRUSTED_ORIGINS``) are not exact and are left out.
    """
    origins = []
    for url in urls:
        parts = urlsplit(str(url).strip().lower())
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname or "*" in parts.netloc:
            continue
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        origin = f"{parts.scheme}://{host}:{parts.port or DEFAULT_PORTS[parts.scheme]}"
        if origin not in origins:
            origins.append(origin)
    return origins
