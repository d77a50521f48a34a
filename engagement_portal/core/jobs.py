"""Queue a Celery task by its registered name.

A service that asks a worker for something must not import the task module that calls it
back (that is an import circle); it names the task instead. In the embedded default (no
broker) the task runs in-process, as `.delay()` would."""

from importlib import import_module

from celery import current_app


def enqueue(task_name: str, *args, **kwargs):
    """Send the task; raises what the broker raises (callers after commit catch it)."""
    if task_name not in current_app.tasks:
        # A web process imports task modules only when something needs them; the task's
        # own module registers it (the worker discovers them all at start).
        import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name].delay(*args, **kwargs)
