"""Which Wagtail site answers a request, without a query on every request.

Wagtail finds the site of a request (``Site.find_for_request``) on every page it serves and for
every ``page.get_url(request)``, and keeps the answer on that request only: a query with three
``CASE`` branches, most of two milliseconds of work, for a table an editor changes once a year.
Here each process remembers, for each host and port, the row of the site that answers it (not
its root page, which is read when a page is served, as before), until a site is saved or deleted
anywhere: the change writes a new token in the shared cache, at once and again once it is
committed (Redis where several workers run), and each process compares its token with it on
every request.

``SiteMiddleware`` puts the answer where Wagtail looks first (``request._wagtail_site``). The type
of the site's root page is remembered with its row (a page never changes type; a site given
another root page is saved, and forgotten), so that a request for a page reads the root page as
its own type in one query, where Wagtail reads the base row, then the specific one.
"""

import logging
import secrets
import threading

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.models.sites import get_site_for_hostname
from wagtail.views import serve as wagtail_serve

logger = logging.getLogger(__name__)

TOKEN_KEY = "cms:sites:token"
#: Hosts remembered per process; a request naming yet another host asks the database, as before
#: (anyone can send any ``Host``, so the memory is bounded).
MAX_HOSTS = 64
#: Remembered with a site's row (``get_site_for_hostname`` reads the root page with the site) and
#: set on each instance as a query's annotation would be.
ROOT_TYPE = "root_page_content_type_id"
_UNKNOWN = object()


class _Remembered:
    def __init__(self):
        self.lock = threading.Lock()
        self.token = None
        self.rows: dict[tuple[str, int], dict | None] = {}

    def get(self, token, key):
        with self.lock:
            if token != self.token:
                self.token, self.rows = token, {}
            return self.rows.get(key, _UNKNOWN)

    def put(self, token, key, row) -> None:
        with self.lock:
            if token == self.token and len(self.rows) < MAX_HOSTS:
                self.rows[key] = row


_remembered = _Remembered()


def _token() -> str | None:
    """The shared token, or ``None`` when the cache cannot be read (Redis down): then nothing is
    remembered and Wagtail's own query answers, as without this module."""
    try:
        token = cache.get(TOKEN_KEY)
        if token is None:  # never set, or the cache was emptied: start a new one
            cache.add(TOKEN_KEY, secrets.token_hex(8), timeout=None)
            token = cache.get(TOKEN_KEY)
    except Exception:  # any failure of the cache backend
        return None
    return token


def site_for_host(hostname: str, port: int) -> Site | None:
    """The site that answers ``hostname:port`` (Wagtail's rules: ``get_site_for_hostname``), or
    ``None``. A new instance each time: a request may load its root page onto it."""
    token = _token()
    row = _remembered.get(token, (hostname, port)) if token is not None else _UNKNOWN
    if row is _UNKNOWN:
        try:
            site = get_site_for_hostname(hostname, port)
        except Site.DoesNotExist:
            row = None
        else:
            row = {field.attname: getattr(site, field.attname) for field in Site._meta.concrete_fields}
            row[ROOT_TYPE] = site.root_page.content_type_id
        if token is not None:
            _remembered.put(token, (hostname, port), row)
    if row is None:
        return None
    site = Site(**{name: value for name, value in row.items() if name != ROOT_TYPE})
    site._state.adding, site._state.db = False, DEFAULT_DB_ALIAS
    setattr(site, ROOT_TYPE, row[ROOT_TYPE])
    return site


def read_root_page(site: Site) -> None:
    """Load the site's root page onto it as its own type, in one query; Wagtail's routing then
    finds it there (``site.root_page.specific`` is the page itself). A type no longer known or in
    the code, or a root page deleted meanwhile, leaves it to Wagtail's own queries, as before."""
    content_type_id = getattr(site, ROOT_TYPE, None)
    if content_type_id is None or Site.root_page.is_cached(site):
        return
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return
    if model is None:
        return
    try:
        site.root_page = model.objects.get(pk=site.root_page_id)
    except model.DoesNotExist:
        return


def site_for_request(request) -> Site | None:
    """What ``Site.find_for_request`` answers for a request whose host is allowed."""
    return site_for_host(split_domain_port(request.get_host())[0], request.get_port())


def forget_sites() -> None:
    """Every process asks the database again at its next request. A cache that cannot be
    written (Redis down) does not stop the change: while it is down nothing is remembered."""
    try:
        cache.set(TOKEN_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # any failure of the cache backend
        logger.warning("the sites' token could not be written", exc_info=True)


def site_changed(sender, **kwargs) -> None:
    """A site was saved or deleted (deleting a root page deletes its site, and sends this too;
    ``QuerySet.update()`` sends nothing, as for Wagtail's own cache of the sites' root paths).
    Forgotten now, so that the transaction that changed it reads its own change, and again once
    it is committed: a process that asked in between remembered the row as it was before."""
    forget_sites()
    transaction.on_commit(forget_sites)


class SiteMiddleware:
    """``request._wagtail_site``, where ``Site.find_for_request`` looks before it queries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request._wagtail_site = site_for_request(request)
        except DisallowedHost:
            pass  # answered 400 further on (CommonMiddleware), as any request to a host not allowed
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A request for a page (Wagtail's ``serve``) has its site's root page read in one query;
        any other view never reads it, and reads nothing more."""
        site = getattr(request, "_wagtail_site", None)
        if view_func is wagtail_serve and site is not None:
            read_root_page(site)
