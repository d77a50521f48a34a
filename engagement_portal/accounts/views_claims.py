"""The link a resident is sent when a public form named their email or phone."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import services_claims


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_contact(request, token):
    """GET explains and asks (mail scanners open links); POST merges. Twice is harmless."""
    claim = services_claims.claim_for_token(token)
    if claim is None:
        return render(request, "registration/contact_claim_invalid.html", status=404)
    if request.method == "POST":
        result = services_claims.confirm_contact_claim(token=token)
        if result is None:  # pragma: no cover - the claim was just found
            return render(request, "registration/contact_claim_invalid.html", status=404)
        if result.merged:
            return render(request, "registration/contact_claim_done.html")
        claim = result.claim
    if claim.confirmed_at is not None:
        # Not an error for the resident: the link did its work the first time.
        return render(request, "registration/contact_claim_used.html")
    return render(
        request,
        "registration/contact_claim_confirm.html",
        {"claim": claim, "provisional": claim.provisional},
    )
