"""One Celery beat at a time, however many are started (a fleet starts one per machine).

`SingleBeatScheduler` is django-celery-beat's DatabaseScheduler that schedules only while
it holds a PostgreSQL session advisory lock, on a connection of its own (the scheduler
closes Django's connection now and then, which would drop the lock). A second beat waits
as a standby and checks
the lock on every tick (at most every few seconds); when the leader's process or
connection dies, PostgreSQL releases its lock and a standby takes over, rereading the
schedule (with the last runs the leader saved) first. Every periodic task is also safe
to run twice (each claims its work or upserts), so the failover's overlap is harmless.

SQLite is one machine's database: there the embedded default runs one beat, and the
lock is not taken.
"""

import contextlib
import logging

from django.db import DEFAULT_DB_ALIAS, connections
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(int4, int4): a key space of its own, apart from the one-bigint
# keys the dashboards' refresh uses.
LOCK_CLASS, LOCK_ID = 1000, 1
STANDBY_INTERVAL = 5.0  # seconds between a standby's checks


def holds_lock(connection) -> bool:
    """Whether `connection` holds the beat lock, taking it if it is free."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND objid = %s AND objsubid = 2"
            " AND pid = pg_backend_pid() AND granted)",
            [LOCK_CLASS, LOCK_ID],
        )
        if cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, LOCK_ID])
        return bool(cursor.fetchone()[0])


class SingleBeatScheduler(DatabaseScheduler):
    _leading = False
    _lock_connection = None

    def is_leader(self) -> bool:
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            return True
        try:
            if self._lock_connection is None:
                # Not in Django's registry: close_old_connections() never closes it.
                self._lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
            leading = holds_lock(self._lock_connection)
        except Exception:  # noqa: BLE001 — the database is away: schedule nothing
            logger.warning("beat: cannot reach the database to check the lock", exc_info=True)
            self.release()
            leading = False
        if leading and not self._leading:
            logger.info("beat: this scheduler now leads; rereading the schedule")
            self._initial_read = True  # the leader before us saved its last runs
            self._heap = None
        elif self._leading and not leading:
            logger.warning("beat: lost the lock; standing by")
        self._leading = leading
        return leading

    def release(self) -> None:
        """Close the lock's connection (PostgreSQL releases the lock with it)."""
        if self._lock_connection is not None:
            with contextlib.suppress(Exception):
                self._lock_connection.close()
            self._lock_connection = None

    def tick(self, *args, **kwargs):
        if not self.is_leader():
            return min(self.max_interval, STANDBY_INTERVAL)
        return super().tick(*args, **kwargs)

    def close(self):
        super().close()
        self.release()
