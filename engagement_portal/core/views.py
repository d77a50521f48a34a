from django.http import HttpResponse
from django.shortcuts import render


def healthz(request):
    """Liveness probe for load balancers: touches no database, so it stays cheap."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Readiness probe: may this instance take traffic? The database must answer; the
    broker and the cache are reported (an outage of either degrades, it does not stop,
    the portal: messages wait in the outbox and rate limits let posts through), so a
    monitor can alert on them without the load balancer taking every instance out."""
    from .readiness import checks

    results = checks()
    status = 200 if results["database"] == "ok" else 503
    body = "\n".join(f"{name}: {state}" for name, state in results.items()) + "\n"
    response = HttpResponse(body, content_type="text/plain", status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
