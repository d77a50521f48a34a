"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


public_list = _todo
public_detail = _todo
ask_question = _todo
staff_list = _todo
staff_create = _todo
staff_edit = _todo
staff_publish = _todo
staff_questions = _todo
staff_moderate = _todo


def AnnouncementFeed():  # noqa: N802 — placeholder for a Feed class
    return _todo
