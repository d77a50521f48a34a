"""Decorators and responses shared by the public pages of events and surveys."""

from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit


def _public_post_rate(group, request) -> str:
    return settings.PORTAL_PUBLIC_POST_RATE


def limit_public_posts(group: str):
    """Count POSTs per client address under `group` (settings.PORTAL_PUBLIC_POST_RATE).

    The address is REMOTE_ADDR unless DJANGO_PROXY_COUNT says how many trusted proxies
    stand in front (settings.RATELIMIT_IP_META_KEY): otherwise X-Forwarded-For is the
    client's to invent and must not reset the count. The view checks `request.limited`
    and answers with too_many_requests().
    """
    return ratelimit(group=group, key="ip", rate=_public_post_rate, method="POST", block=False)


def too_many_requests(request) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def private_page(view):
    """Pages reached by a private token, or holding answers on a shared device: never
    cached, never indexed, and no Referer anywhere (`Referrer-Policy: no-referrer`), so
    tokens reach neither other sites nor our own access logs.

    Under no-referrer browsers post the page's own forms with `Origin: null`;
    NullOriginSameSiteMiddleware restores the origin when the browser vouches the post is
    same-origin, so Django's CSRF check still applies in full."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = never_cache(view)(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper
