from django.conf import settings


def client_ip(request) -> str:
    """The client's address behind DJANGO_PROXY_COUNT trusted proxies.

    Each trusted proxy appends the address it received the request from, so the client is
    the entry that many places from the right; anything further left was sent by the client
    and could be forged.
    """
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
