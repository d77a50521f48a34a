"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


invitation = _todo
answer = _todo
thanks = _todo
kiosk = _todo
qr = _todo
printable = _todo
paper_entry = _todo
