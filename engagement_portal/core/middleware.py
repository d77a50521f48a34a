from django.shortcuts import render


class RejectNullCharactersMiddleware:
    """Answer 400 to any request with a NUL character in its path, query or form fields.

    PostgreSQL refuses NUL in text, so a NUL that reaches a query (a search box, an id in a
    URL) would otherwise be a 500. Django's form fields already refuse it; this covers every
    value a view reads directly, in one place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_null(request.GET) or self._form_has_null(request):
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _has_null(data) -> bool:
        return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)

    def _form_has_null(self, request) -> bool:
        # Reading request.POST parses the body once; CsrfViewMiddleware does the same.
        return request.method == "POST" and self._has_null(request.POST)


class NullOriginSameSiteMiddleware:
    """Let pages that send `Referrer-Policy: no-referrer` post their own forms.

    Under no-referrer, browsers send `Origin: null` with form posts, and Django's CSRF check
    (rightly) refuses a null origin. When the browser also says the request comes from this
    very origin (`Sec-Fetch-Site: same-origin`, a header pages cannot set or forge), the
    origin is ours: restore it, so CSRF checks it as usual. The CSRF token is still
    required. Runs before CsrfViewMiddleware. Pages with private tokens in their address
    (survey and registration links) use no-referrer so the tokens reach no log, ours
    included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
