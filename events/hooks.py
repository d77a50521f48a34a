"""What apps above the events block add to it, without the block importing them.

Panels: sections on an event's staff page.

The events block knows no tier. A tier app that has something to show on an event (the
personnel tier's community co-facilitators, say) registers a panel from its AppConfig.ready:
a function of (request, event) that returns the template to include and its context, or
None to show nothing for that event.

Follow-up: the thank-you after an event links to a survey about it; the surveys block
registers the function that finds it (a function of the event that returns a URL or "").
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


_PANELS: list[Callable] = []


def register(panel: Callable) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def panels_for(request, event) -> list[Panel]:
    return [panel for build in _PANELS if (panel := build(request, event)) is not None]


_FOLLOW_UPS: list[Callable] = []


def register_follow_up(provider: Callable) -> None:
    if provider not in _FOLLOW_UPS:
        _FOLLOW_UPS.append(provider)


def follow_up_url(event) -> str:
    for provider in _FOLLOW_UPS:
        if url := provider(event):
            return url
    return ""
