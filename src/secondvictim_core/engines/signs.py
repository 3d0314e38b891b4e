"""The signs check: from the warning signs someone sees, the support level to offer.

Every rule is read from the content, so an organisation that swaps the ladder (for
example the three-tier model for the five ERNST levels) changes the result without
touching Python:

- A level's ``signs`` lists the warning signs that call for *at least* that level
  on its ladder; a sign listed on several levels takes the highest.
- A sign the chosen ladder does not list falls back to its own ``support_level``
  (a level on the default ladder): that level's rank, mapped to the nearest rank on
  the chosen ladder (a tie goes to the higher level: when unsure, offer more).
- The recommendation is the highest level any selected sign calls for; with no
  signs selected it is the lowest level.
- If any selected sign is a red flag, crisis services come first whatever else is
  selected: emergency routes (999) always, then the crisis services for the
  organisation's nation (all nations' when the nation is not known).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import SecondVictimError
from ..models import Jurisdiction, Signpost, SupportLadder, SupportLevel, WarningSign

if TYPE_CHECKING:
    from .._bundle import Bundle


class UnknownSignError(SecondVictimError, LookupError):
    """One or more selected ids are not warning signs in the bundle; the message names each."""

    def __init__(self, unknown: Sequence[str], message: str) -> None:
        self.unknown = tuple(unknown)
        super().__init__(message)


class UnknownLadderError(SecondVictimError, LookupError):
    """The requested support ladder is not in the bundle."""


@dataclass(frozen=True)
class SignLevel:
    """Why one selected sign points to a level."""

    sign: WarningSign
    level: SupportLevel
    how: str
    """``listed`` (a level of the ladder lists the sign), ``own`` (the sign's own
    ``support_level`` is on this ladder) or ``nearest`` (its rank mapped to the nearest)."""


@dataclass(frozen=True)
class SignsCheckResult:
    """The recommended support, the reason for it, and what to offer."""

    ladder: SupportLadder
    level: SupportLevel
    """The recommended level."""
    reason: tuple[WarningSign, ...]
    """The selected signs that call for this level (empty when nothing was selected)."""
    assessed: tuple[SignLevel, ...]
    """Every selected sign and the level it points to."""
    red_flags: tuple[WarningSign, ...]
    """Selected signs that are red flags; when any, crisis services come first."""
    signposts: tuple[Signpost, ...]
    """Services to offer, crisis and emergency services first."""
    nation: Jurisdiction | None
    """The nation crisis services were chosen for (None: not known, all are listed)."""

    @property
    def manager_guidance(self) -> str:
        """What a manager or colleague should do at this level (Markdown)."""
        return self.level.manager_guidance

    @property
    def urgent(self) -> bool:
        """True when a red flag was selected."""
        return bool(self.red_flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "ladder": self.ladder.id,
            "level": {
                "id": self.level.id,
                "title": self.level.title,
                "rank": self.level.rank,
                "who_delivers": self.level.who_delivers,
                "response_target": self.level.response_target,
                "approaches": list(self.level.approaches),
            },
            "reason": [s.id for s in self.reason],
            "signs": [
                {"id": a.sign.id, "title": a.sign.title, "level": a.level.id, "how": a.how, "red_flag": a.sign.red_flag}
                for a in self.assessed
            ],
            "urgent": self.urgent,
            "red_flags": [s.id for s in self.red_flags],
            "manager_guidance": self.manager_guidance,
            "nation": None if self.nation is None else self.nation.value,
            "signposts": [
                {
                    "id": s.id,
                    "title": s.title,
                    "organisation": s.organisation,
                    "crisis": s.crisis,
                    "emergency": s.emergency,
                    "hours": s.hours,
                    "channels": [c.model_dump(mode="json", exclude_none=True) for c in s.channels],
                }
                for s in self.signposts
            ],
        }


def _resolve_signs(bundle: Bundle, selected: Iterable[str]) -> list[WarningSign]:
    signs = {s.id: s for s in bundle.of_kind(WarningSign)}
    wanted = list(dict.fromkeys(selected))
    unknown = [i for i in wanted if i not in signs]
    if unknown:
        lines = []
        for item_id in unknown:
            if item_id in bundle:
                lines.append(f"{item_id!r} is a {bundle.get(item_id).kind}, not a warning sign")
                continue
            close = difflib.get_close_matches(item_id, list(signs), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(f"{item_id!r} is not a warning sign{hint}")
        noun = "id" if len(unknown) == 1 else "ids"
        message = f"unknown warning sign {noun}: " + "; ".join(lines)
        raise UnknownSignError(unknown, message)
    return [signs[i] for i in wanted]


def _nearest(levels: Sequence[SupportLevel], rank: int) -> SupportLevel:
    """The level whose rank is closest to ``rank``; a tie goes to the higher level."""
    return min(levels, key=lambda lv: (abs(lv.rank - rank), -lv.rank))


def _level_for(sign: WarningSign, levels: Sequence[SupportLevel], all_levels: dict[str, SupportLevel]) -> SignLevel:
    listed = [lv for lv in levels if sign.id in lv.signs]
    if listed:
        return SignLevel(sign, max(listed, key=lambda lv: lv.rank), "listed")
    own = all_levels.get(sign.support_level)
    if own is None:
        msg = (
            f"warning sign {sign.id!r} names support level {sign.support_level!r}, "
            "which is not in the bundle; run 'secondvictim validate'"
        )
        raise UnknownSignError([sign.id], msg)
    if any(lv.id == own.id for lv in levels):
        return SignLevel(sign, own, "own")
    return SignLevel(sign, _nearest(levels, own.rank), "nearest")


def signs_check(bundle: Bundle, selected_sign_ids: Iterable[str], ladder: str | None = None) -> SignsCheckResult:
    """Recommend a support level for the selected warning signs.

    Args:
        bundle: the content.
        selected_sign_ids: ids of ``warning_sign`` items (order does not matter).
        ladder: a ``support_ladder`` id; default: the organisation's, else the pack's default.

    Raises:
        UnknownSignError: an id is not a warning sign (every unknown id is named).
        UnknownLadderError: the ladder is not in the bundle, or has no levels.
    """
    signs = _resolve_signs(bundle, selected_sign_ids)
    ladders = [lad.id for lad in bundle.of_kind(SupportLadder)]
    if ladder is not None and ladder not in ladders:
        msg = f"no support ladder {ladder!r}; ladders in this bundle: {', '.join(ladders) or 'none'}"
        raise UnknownLadderError(msg)
    try:
        chosen, levels = bundle.ladder(ladder)
    except KeyError as exc:  # e.g. the organisation names a ladder an overlay hid
        msg = f"{exc.args[0] if exc.args else exc}; ladders in this bundle: {', '.join(ladders)}"
        raise UnknownLadderError(msg) from None
    if not levels:
        msg = f"support ladder {chosen.id!r} has no support levels"
        raise UnknownLadderError(msg)
    all_levels = {lv.id: lv for lv in bundle.of_kind(SupportLevel)}
    assessed = tuple(_level_for(sign, levels, all_levels) for sign in signs)
    if assessed:
        top = max(a.level.rank for a in assessed)
        level = next(a.level for a in assessed if a.level.rank == top)
        reason = tuple(a.sign for a in assessed if a.level.rank == top)
    else:
        level, reason = levels[0], ()
    red_flags = tuple(s for s in signs if s.red_flag)
    nation = bundle.nation if bundle.nation is not Jurisdiction.UK else None
    return SignsCheckResult(
        ladder=chosen,
        level=level,
        reason=reason,
        assessed=assessed,
        red_flags=red_flags,
        signposts=_signposts(bundle, level, nation, urgent=bool(red_flags)),
        nation=nation,
    )


def _signposts(
    bundle: Bundle, level: SupportLevel, nation: Jurisdiction | None, *, urgent: bool
) -> tuple[Signpost, ...]:
    """The level's services for the nation, with crisis services first when urgent."""

    def applies(post: Signpost) -> bool:
        return nation is None or any(j.covers(nation) for j in post.jurisdictions)

    offered = [p for p in bundle.resolve(level.signposts) if isinstance(p, Signpost) and applies(p)]
    if urgent:
        crisis = list(bundle.crisis_signposts(nation))
        crisis += [p for p in bundle.of_kind(Signpost) if p.emergency and p not in crisis]
        offered = crisis + [p for p in offered if p not in crisis]
    first = {id(p): i for i, p in enumerate(offered)}
    # Crisis first always (emergency routes first of all); otherwise the content's order.
    return tuple(sorted(offered, key=lambda p: (not p.emergency, not p.crisis, first[id(p)])))
