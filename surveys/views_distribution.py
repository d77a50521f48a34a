"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


distribution_list = _todo
distribution_detail = _todo
distribution_action = _todo
