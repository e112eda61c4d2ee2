"""Figures of the API-wide tests, printed at the end of the run (the report needs them)."""

from __future__ import annotations

from typing import Any

FIGURES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("API-wide checks")
        for line in FIGURES.values():
            terminalreporter.write_line(line)
