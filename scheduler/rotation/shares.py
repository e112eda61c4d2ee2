"""The one definition of a fair share: used by the planner, the hosting report and the ledger.

- A session counts only when it is **held**: not cancelled and not on a public holiday
  (holidays hold no session and count for nobody).
- A region has a **share** of a session when it takes part in the course (from the moment it
  joined, :attr:`RegionSpec.since`) and serves the language(s) the session is held in. A region
  that could never host the session has no share of it.
- **Host share**: the region's weight divided by the sum of the weights of the regions with a
  share. **Co-host share**: the same among the regions with a share other than the session's
  host (a host never co-hosts its own session); when nobody could host it, among them all.
- **Closures do not reduce a share.** What a closed region could not host is a debt: the
  planner makes it up in the same course where the rules allow (its share stays, so it hosts
  more of the remaining weeks), and the ledger carries the rest to later courses.
- A region's **target** is the sum of its shares over the held sessions; its **balance** is
  ``(hosted - target) + (cohosted - cohost_target) / 2`` (positive: it gave more than its share).

Pure: plain data in, numbers out; the web layer applies the same functions to stored rows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from .calendar import local_date
from .model import PlanRequest, PlanResult, RegionSpec

COHOST_FACTOR = 0.5  # a co-hosted session counts half a hosted one in the balance


def is_held(starts_at: datetime, cancelled: bool, holidays: Collection[date]) -> bool:
    """Does the session count at all? Not when cancelled or on a public holiday."""
    return not cancelled and local_date(starts_at) not in holidays


def sharers(
    regions: Iterable[RegionSpec], languages: frozenset[str], starts_at: datetime
) -> tuple[RegionSpec, ...]:
    """The regions with a share of a session held at ``starts_at`` in ``languages``."""
    return tuple(
        r for r in regions if languages <= r.languages and (r.since is None or r.since <= starts_at)
    )


def _split(regions: Sequence[RegionSpec]) -> dict[str, float]:
    total = sum(r.weight for r in regions)
    return {r.code: r.weight / total for r in regions} if total > 0 else {}


def host_shares(
    regions: Iterable[RegionSpec], languages: frozenset[str], starts_at: datetime
) -> dict[str, float]:
    """Each region's share of hosting one held session (regions without a share left out)."""
    return _split(sharers(regions, languages, starts_at))


def cohost_shares(
    regions: Iterable[RegionSpec],
    languages: frozenset[str],
    starts_at: datetime,
    host: str | None,
) -> dict[str, float]:
    """Each region's share of co-hosting one held session whose host is ``host``."""
    return _split(tuple(r for r in sharers(regions, languages, starts_at) if r.code != host))


class ShareBook:
    """Per-session shares with a cache, for reports that walk thousands of sessions."""

    def __init__(self) -> None:
        self._cache: dict[tuple, dict[str, float]] = {}

    def shares(
        self,
        regions: tuple[RegionSpec, ...],
        languages: frozenset[str],
        starts_at: datetime,
        host: str | None,
        cohost: bool,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """(host shares, co-host shares) of one held session; co-host shares are empty when
        the session has no co-host role."""
        able = sharers(regions, languages, starts_at)
        codes = tuple((r.code, r.weight) for r in able)
        host_share = self._cache.get(codes)
        if host_share is None:
            host_share = self._cache[codes] = _split(able)
        if not cohost:
            return host_share, {}
        co_share = self._cache.get((codes, host))
        if co_share is None:
            rest = tuple(r for r in able if r.code != host)
            co_share = self._cache[(codes, host)] = _split(rest)
        return host_share, co_share


@dataclass
class Account:
    """One region's side of the trade: what it did against its fair targets."""

    code: str
    hosted: int = 0
    cohosted: int = 0
    target: float = 0.0
    cohost_target: float = 0.0

    @property
    def balance(self) -> float:
        return (self.hosted - self.target) + COHOST_FACTOR * (self.cohosted - self.cohost_target)


@dataclass
class Ledger:
    """Accounts by region code; :meth:`add_session` books one session."""

    accounts: dict[str, Account] = field(default_factory=dict)

    def account(self, code: str) -> Account:
        found = self.accounts.get(code)
        if found is None:
            found = self.accounts[code] = Account(code)
        return found

    def add_session(
        self,
        host_share: Mapping[str, float],
        cohost_share: Mapping[str, float],
        host: str | None,
        cohost: str | None,
        count: int = 1,
    ) -> None:
        """Book ``count`` alike sessions."""
        for code, share in host_share.items():
            self.account(code).target += share * count
        for code, share in cohost_share.items():
            self.account(code).cohost_target += share * count
        if host is not None:
            self.account(host).hosted += count
        if cohost is not None:
            self.account(cohost).cohosted += count

    def balances(self) -> dict[str, float]:
        return {code: a.balance for code, a in self.accounts.items()}


def book_course(ledger: Ledger, request: PlanRequest, result: PlanResult) -> None:
    """Book a planned course's held sessions into ``ledger`` (the planner's own view)."""
    book = ShareBook()
    regions = tuple(request.regions)
    for slot, a in zip(request.slots, result.assignments, strict=True):
        if not is_held(slot.starts_at, slot.cancelled, request.holidays):
            continue
        host_share, co_share = book.shares(
            regions, slot.languages, slot.starts_at, a.host, request.cohost
        )
        ledger.add_session(host_share, co_share, a.host, a.cohost if request.cohost else None)


def network_ledger(requests: Sequence[PlanRequest], results: Sequence[PlanResult]) -> Ledger:
    """The ledger of a planned network (as the hosting ledger report would show it)."""
    ledger = Ledger()
    for request, result in zip(requests, results, strict=True):
        book_course(ledger, request, result)
    return ledger
