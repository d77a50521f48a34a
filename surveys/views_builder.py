"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


survey_list = _todo
survey_create = _todo
survey_detail = _todo
survey_edit = _todo
question_add = _todo
bank_add = _todo
translations = _todo
status = _todo
version = _todo
question_edit = _todo
question_move = _todo
question_delete = _todo
