"""Sections that apps above the building blocks add to an event's staff page.

The events block knows no tier. A tier app that has something to show on an event (the
personnel tier's community co-facilitators, say) registers a panel from its AppConfig.ready:
a function of (request, event) that returns the template to include and its context, or
None to show nothing for that event.
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
