"""The portal's own address, for absolute links in messages, feeds and files.

One setting says it: PORTAL_BASE_URL. In development (DEBUG) with the setting left unset,
links built while answering a request use that request's address instead, so that a portal
served on another host or port (`runserver 0.0.0.0:8001`, a container's forwarded port)
sends links that open. Work done outside a request (the worker's reminders, distributions)
uses the setting, which `make run PORT=...` sets to match.
"""

from contextvars import ContextVar

from django.conf import settings

_request_base: ContextVar[str | None] = ContextVar("portal_request_base", default=None)


def base_url() -> str:
    """The portal's address, without a trailing slash."""
    if settings.DEBUG and not settings.PORTAL_BASE_URL_SET:
        current = _request_base.get()
        if current:
            return current
    return settings.PORTAL_BASE_URL.rstrip("/")


class RequestBaseMiddleware:
    """In development, remember the address each request came to (see base_url)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.DEBUG and not settings.PORTAL_BASE_URL_SET):
            return self.get_response(request)
        token = _request_base.set(request.build_absolute_uri("/").rstrip("/"))
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
