"""Open data: a public page and CSV/JSON files of aggregate, suppressed participation
statistics (selectors_opendata says what is published and why it is safe).

Anyone may read them, without an account. The files are the same for everyone, in the
portal's default language, and may be kept by any cache for an hour. The page carries the
visitor's own header (their name when signed in, a CSRF token in the language form), so
browsers may keep it but shared caches may not.
"""

import hashlib
import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from engagement_portal.core.links import base_url
from programs.dashboard import selectors_opendata as selectors
from programs.dashboard.tables import csv_text

MAX_AGE = 60 * 60
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


@require_safe
def open_data(request):
    data = selectors.open_data()
    response = render(
        request,
        "dashboard/open_data.html",
        {
            "data": data,
            "rows": selectors.page_table(data),
            "fields": selectors.FIELDS,
            "licence_name": selectors.LICENCE_NAME,
            "licence_url": selectors.LICENCE_URL,
            "threshold": selectors.privacy.MIN_PEOPLE,
        },
    )
    patch_cache_control(response, private=True, max_age=MAX_AGE)
    return response


@require_safe
def open_data_file(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    with translation.override(settings.LANGUAGE_CODE):
        data = selectors.open_data()
        if fmt == "csv":
            body = csv_text(selectors.csv_headers(), [cell.csv_row() for cell in data.cells])
        else:
            url = base_url() + reverse("dashboard:open-data")
            document = selectors.json_document(data, agency=settings.PORTAL_AGENCY_NAME, url=url)
            body = json.dumps(document, ensure_ascii=False, indent=1)
    content = body.encode("utf-8")
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    not_modified = get_conditional_response(request, etag=etag)
    response = not_modified or HttpResponse(content, content_type=FORMATS[fmt])
    response["ETag"] = etag
    if fmt == "csv" and not not_modified:
        last = data.last.strftime("%Y-%m")
        response["Content-Disposition"] = f'attachment; filename="participation-to-{last}.csv"'
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    return response
