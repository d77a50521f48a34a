"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


public_results = _todo
trends = _todo
results = _todo
results_csv = _todo
publish = _todo
