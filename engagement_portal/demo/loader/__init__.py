"""A year of fictional activity for the demo agency that `manage.py seed_demo` builds.

The command creates the agency (accounts, neighbourhoods, partners, programs); `build_activity`
then plays twelve months of engagement through the same services the pages use: events with
registrations, check-ins and walk-ins, surveys and their answers, applications and cohorts,
volunteers, standing groups, recommendations, announcements, resident requests and partner
agreements. Services that only act "now" are called with an earlier `now=` where they take
one; where they do not, rows are moved into the past afterwards, as the end-to-end tests do.

Everything random comes from one `random.Random(2026)`, so two runs on the same day build
the same story. The dashboards' summary tables are rebuilt once at the end.
"""

from engagement_portal.demo.loader.activity import already_seeded, build_activity

__all__ = ["already_seeded", "build_activity"]
