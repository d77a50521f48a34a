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
