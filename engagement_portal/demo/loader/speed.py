"""Playing a year in seconds.

Messages: the services queue every message a year of activity would send (confirmations,
decisions, certificates) in the outbox, and each asks for a send once its transaction
commits. The demo's messages belong to the story, not to anyone's mailbox, so no send is
asked for while it plays, and the command marks them sent before it commits (activity.settle).

Every service that records participation writes a fact to the ledger, and after its
transaction commits the dashboards are asked to summarise the new facts. A year of demo
activity would refresh the same buckets thousands of times over; `rebuild()` computes
every bucket once from the same source rows and gives the same tables (and marks every
fact before it summarised). So while the demo plays, nobody is told about new facts, and
the command rebuilds at the end.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

from engagement_portal.core import ledger
from engagement_portal.messaging import services as messaging
from programs.structured import services_applications
from surveys import distribution


def _later(*args, **kwargs) -> None:
    """Left to the end of the demo: the rebuild, and the outbox settled."""


# Where the services find `start_sending` (two modules imported the name itself).
SENDERS = (messaging, services_applications, distribution)


@contextmanager
def played_quietly() -> Iterator[None]:
    """Inside the block, skip the per-write summary refresh and ask for no sending. The
    caller must then call the dashboards' `rebuild()`, or the dashboards miss what the block
    recorded, and settle the queued messages."""
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(ledger, "_announce", _later))
        for module in SENDERS:
            stack.enter_context(mock.patch.object(module, "start_sending", _later))
        yield
