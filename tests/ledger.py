"""Summarise the participation ledger, as the Celery task does after each commit.

Tests run inside a transaction that never commits, so the after-commit refresh never fires:
a test that reads the dashboards' summaries after a service recorded facts calls this."""

from programs.dashboard.refresh import refresh_summaries


def summarise() -> int:
    return refresh_summaries()
