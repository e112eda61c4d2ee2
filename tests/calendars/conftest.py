"""Fixtures of the calendar tests."""

from __future__ import annotations

import pytest

from scheduler.calendars import state


@pytest.fixture
def state_calls(monkeypatch) -> list[state.StateQuery]:
    """Every feed-state query run from now on (a raw connection: count_queries misses them)."""
    calls: list[state.StateQuery] = []
    real_run = state.run

    def counting_run(query, params):
        calls.append(query)
        return real_run(query, params)

    monkeypatch.setattr(state, "run", counting_run)
    return calls
