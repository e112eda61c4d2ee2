"""Pure rotation planning: which region hosts (and co-hosts) each session of a course.

Plain frozen dataclasses in and out; no Flask, no database, no I/O. See ``planner.py`` for how,
and ``shares.py`` for the one definition of a fair share (used by the reports and the ledger).
"""

from .calendar import finnish_holidays, weekly_dates
from .eligibility import eligible_hosts, ineligibility_reason
from .model import (
    HELSINKI,
    Assignment,
    Closure,
    PlanRequest,
    PlanResult,
    Problem,
    RegionSpec,
    Slot,
)
from .planner import fair_targets, plan, plan_network

__all__ = [
    "HELSINKI",
    "Assignment",
    "Closure",
    "PlanRequest",
    "PlanResult",
    "Problem",
    "RegionSpec",
    "Slot",
    "eligible_hosts",
    "fair_targets",
    "finnish_holidays",
    "ineligibility_reason",
    "plan",
    "plan_network",
    "weekly_dates",
]
