"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


public_list = _todo
public_detail = _todo
staff_list = _todo
staff_create = _todo
staff_detail = _todo
staff_respond = _todo
