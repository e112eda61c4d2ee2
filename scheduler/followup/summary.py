"""Feedback summaries for planners: the whole course, and per region with small-number care.

Free texts are shown for the whole course only. A region's figures are shown only when
they rest on at least MIN_ANSWERS answers; when hiding one region could be undone by
subtracting the shown regions from the course total, more regions are hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from scheduler.courses.models import Course
from scheduler.extensions import db
from scheduler.followup.models import AGAIN, EXPECTATIONS, RATINGS, FeedbackAnswer

MIN_ANSWERS = 5


def _rating_summary(values: Sequence[int]) -> dict[str, Any]:
    counts = {str(r): 0 for r in RATINGS}
    for value in values:
        counts[str(value)] += 1
    average = round(sum(values) / len(values), 1) if values else None
    return {"counts": counts, "average": average}


def summarise(answers: Sequence[FeedbackAnswer]) -> dict[str, Any]:
    """Counts per answer and the averages of the 1–5 ratings."""
    expectations = dict.fromkeys(EXPECTATIONS, 0)
    again = dict.fromkeys(AGAIN, 0)
    for answer in answers:
        expectations[answer.expectations] += 1
        again[answer.again] += 1
    return {
        "answers": len(answers),
        "expectations": expectations,
        "topics": _rating_summary([a.topics for a in answers]),
        "facilitators": _rating_summary([a.facilitators for a in answers]),
        "again": again,
        "with_support": sum(1 for a in answers if a.with_support),
    }


def hidden_regions(counts: dict[str, int], total: int) -> set[str]:
    """Regions whose figures must not be shown.

    First every region with fewer than MIN_ANSWERS answers. Then, while the hidden regions
    hold some answers but the remainder (course total minus the shown regions) is below
    MIN_ANSWERS, the smallest shown region is hidden too, so subtraction reveals nothing.
    """
    hidden = {code for code, count in counts.items() if count < MIN_ANSWERS}
    unknown = total - sum(counts.values())  # answers without a region (open groups)
    while True:
        hidden_answers = sum(counts[code] for code in hidden)
        shown = sorted((count, code) for code, count in counts.items() if code not in hidden)
        if hidden_answers == 0 or hidden_answers + unknown >= MIN_ANSWERS or not shown:
            return hidden
        hidden.add(shown[0][1])


def _group(answers: Iterable[FeedbackAnswer]) -> dict[str | None, list[FeedbackAnswer]]:
    groups: dict[str | None, list[FeedbackAnswer]] = {}
    for answer in answers:
        groups.setdefault(answer.region_code, []).append(answer)
    return groups


def feedback_summary(course: Course) -> dict[str, Any]:
    """Everything the summary page and the API show, in one query."""
    answers = list(
        db.session.scalars(
            db.select(FeedbackAnswer)
            .where(FeedbackAnswer.course_id == course.id)
            .order_by(FeedbackAnswer.id)
        )
    )
    groups = _group(answers)
    regions = list(course.region_codes)
    regions += sorted(code for code in groups if code is not None and code not in regions)
    counts = {code: len(groups.get(code, [])) for code in regions}
    hidden = hidden_regions(counts, len(answers))
    per_region = []
    for code in regions:
        if code in hidden:
            per_region.append(
                {
                    "code": code,
                    "shown": False,
                    "answers": None,
                    "summary": None,
                    "reason": "fewer_than_minimum" if counts[code] < MIN_ANSWERS else "protects",
                    "note": str(_l("fewer than 5 answers"))
                    if counts[code] < MIN_ANSWERS
                    else str(_l("hidden so that a small group cannot be worked out")),
                }
            )
        else:
            per_region.append(
                {
                    "code": code,
                    "shown": True,
                    "answers": counts[code],
                    "summary": summarise(groups[code]),
                    "reason": None,
                    "note": None,
                }
            )
    # Course-wide only, in an order that says nothing about who wrote what or when.
    free_texts = sorted((a.free_text for a in answers if a.free_text), key=str.casefold)
    return {
        "course": course.id,
        "answers": len(answers),
        "minimum_per_region": MIN_ANSWERS,
        "summary": summarise(answers),
        "free_texts": free_texts,
        "regions": per_region,
    }
