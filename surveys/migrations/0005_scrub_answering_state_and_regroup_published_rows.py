"""Existing data under the new anonymity rules.

1. Sessions: answering state used to be kept in clear ({"invitation": id, "answers": ...}).
   Those keys are deleted from every session row (a respondent in the middle of a survey
   starts its pages again).
2. Responses already published stay published, but are rewritten once, with their answers
   and every used invitation of an anonymous survey, in one transaction and in random
   order, so that PostgreSQL's write order and transaction ids no longer pair them (what
   the retired 15-minute mixing sweep did for recent rows).
3. The retired sweep's beat entry is deleted from django-celery-beat's table (beat keeps
   entries it no longer finds in settings, and would send a task that no longer exists).
"""

import random

from django.db import migrations

STATE_PREFIXES = ("survey-web-", "survey-kiosk-")


def scrub_sessions(apps, schema_editor):
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        kept = {k: v for k, v in data.items() if not k.startswith(STATE_PREFIXES)}
        if kept != data:
            if kept:
                session.session_data = store.encode(kept)
                session.save(update_fields=["session_data"])
            else:
                session.delete()


def regroup_published_rows(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    Invitation = apps.get_model("surveys", "Invitation")
    connection = schema_editor.connection
    anonymous = Survey.objects.filter(mode="anonymous")
    response_ids = list(Response.objects.filter(survey__in=anonymous).values_list("pk", flat=True))
    answer_ids = list(
        Answer.objects.filter(response_id__in=response_ids).values_list("pk", flat=True)
    )
    invitation_ids = list(
        Invitation.objects.filter(survey__in=anonymous, used=True).values_list("pk", flat=True)
    )
    rng = random.SystemRandom()
    with connection.cursor() as cursor:
        for model, ids, column in (
            (Response, response_ids, "language"),
            (Answer, answer_ids, "declined"),
            (Invitation, invitation_ids, "used"),
        ):
            rng.shuffle(ids)
            table = model._meta.db_table
            keys = [
                (pk.hex if connection.vendor == "sqlite" else str(pk))
                if not isinstance(pk, int)
                else pk
                for pk in ids
            ]
            cursor.executemany(
                f'UPDATE "{table}" SET "{column}" = "{column}" WHERE "id" = %s',
                [(key,) for key in keys],
            )


def retire_mixing_sweep(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="surveys.tasks.mix_anonymous_rows").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sessions", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("surveys", "0004_held_responses_published_in_groups"),
    ]

    operations = [
        migrations.RunPython(scrub_sessions, migrations.RunPython.noop),
        migrations.RunPython(regroup_published_rows, migrations.RunPython.noop),
        migrations.RunPython(retire_mixing_sweep, migrations.RunPython.noop),
    ]
