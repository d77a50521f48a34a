"""Real concurrency for race tests on PostgreSQL."""

import threading

from django.db import connection


def run_at_once(n, work):
    """Run work(i) in n threads released together; each thread closes its own connection.

    Returns the exceptions raised, so a test can assert on refusals as well as successes.
    """
    barrier = threading.Barrier(n)
    errors = []

    def runner(i):
        try:
            barrier.wait()
            work(i)
        except Exception as exc:  # noqa: BLE001 — collected for the test to inspect
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
