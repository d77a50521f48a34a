from django.http import HttpResponse
from django.shortcuts import render


def healthz(request):
    """Liveness probe for load balancers: touches no database, so it stays cheap."""
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
