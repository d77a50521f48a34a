"""Queue a Celery task by its registered name.

A service that asks a worker for something must not import the task module that calls it
back (that is an import circle); it names the task instead. In the embedded default (no
broker) the task runs in-process, as `.delay()` would."""

from celery import current_app


def enqueue(task_name: str, *args, **kwargs):
    """Send the task; raises what the broker raises (callers after commit catch it)."""
    return current_app.tasks[task_name].delay(*args, **kwargs)
