"""The dashboards give the figures they gave before the participation ledger (issue 15).

Before it, every service kept the dashboards' summary tables inline, in its own
transaction; now each records facts in the ledger, and `refresh_summaries()` derives the
summaries from them after the commit. The test plays the demo loudly as of INSTANT
(demo_figures.py: every write goes through the write path, the ledger is summarised after
each step of the demo and after its commit, and no full rebuild follows; the longest
calendars of events are left out, see SKIPPED), then compares every row of every summary
table (ids named by natural keys) and every CSV file a command-staff user can download
(every `dashboard:export` table for 14 scopes, the monthly report's for 14 months, the
open-data CSV and JSON) with golden/demo_figures.json, which the old code gave.

The golden file was written from commit 7265747 (the last one before the ledger) on
PostgreSQL, with this file's collector run as a script from a checkout of that commit:

    git worktree add --detach /tmp/old 7265747 && cd /tmp/old
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gold_old_db \\
        <this checkout>/.venv/bin/python <this checkout>/tests/dashboard/demo_figures.py \\
        --write <this checkout>/tests/dashboard/golden/demo_figures.json

(SQLite, without DATABASE_URL, writes the same file.) Run from this checkout, the same
command writes the new code's figures, to compare by hand; `--whole` plays the whole
demo. Never write the golden file from the new code: the old code's figures are the
point. Should a figure change on purpose, change it in the golden file by hand and say
why in the commit.
"""

import json
from pathlib import Path

import pytest

from .demo_figures import INSTANT, collect, differences, play_demo_loudly

GOLDEN = Path(__file__).parent / "golden" / "demo_figures.json"


@pytest.mark.as_of(INSTANT, tick=False)
def test_the_demo_s_figures_are_those_the_old_code_gave(db, client):
    play_demo_loudly()

    figures = collect(client)

    old = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = differences(old, figures)
    assert not found, f"{len(found)} tables differ from the old code's:\n" + "\n".join(found)
