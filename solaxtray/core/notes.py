"""The alert rules' facts about one inverter, as lines for the detail window and a few words for
the tooltip and the menu's status line. Qt-free.

Three sources, each kept by ``core.watch.FleetWatch``: why it is in fault (``core.alarms``), its
EPS episode with the time left (``core.outage``), and today's weak-string evidence
(``core.weak_string``). The popup shows ``InverterNotes.lines`` under the inverter's status, as
they are; the tooltip and the status line add ``InverterNotes.short`` when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from solaxtray.core.alarms import FaultReason
from solaxtray.core.outage import OutageView, outage_lines, outage_short
from solaxtray.core.weak_string import WeakString


class NoteSource(Protocol):
    """What ``inverter_notes`` reads (``FleetWatch`` has it all)."""

    def fault_reason(self, sn: str) -> FaultReason | None: ...

    def outage(self, sn: str) -> OutageView | None: ...

    def weak_string(self, sn: str) -> WeakString | None: ...


@dataclass(frozen=True, slots=True)
class InverterNotes:
    """Whole sentences for the detail window, and the short form for the tooltip and menu."""

    lines: tuple[str, ...] = ()
    short: str | None = None


def inverter_notes(source: NoteSource | None, sn: str) -> InverterNotes:
    """The notes of ``sn``: the fault's reason, the EPS figures, the weak-string evidence."""
    if source is None:
        return InverterNotes()
    lines: list[str] = []
    short: str | None = None
    reason = source.fault_reason(sn)
    if reason is not None:
        lines.append(reason.sentence)
        if reason.alarm is not None and reason.alarm.code is not None:
            short = f"alarm {reason.alarm.code}"
    outage = source.outage(sn)
    if outage is not None:
        lines.extend(outage_lines(outage))
        short = outage_short(outage)
    weak = source.weak_string(sn)
    if weak is not None:
        lines.append(weak.evidence())
    return InverterNotes(tuple(lines), short)
