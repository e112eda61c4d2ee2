"""Geometry of the ledger's two charts, drawn as SVG on the server (the page has the same
numbers in tables): the balance per region as bars either side of zero, most behind first,
and who hosted for whom as a matrix of shaded cells."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.hosting.ledger import TradeLedger

WIDTH = 640
ROW = 46  # a region's name above its bar
BAR = 18
MATRIX_CELL = 26
MATRIX_LABEL = 34


@dataclass(frozen=True)
class Bar:
    code: str
    balance: float
    top: int
    x: float
    width: float
    ahead: bool
    label_x: float
    label_anchor: str


@dataclass(frozen=True)
class BalanceChart:
    bars: list[Bar]
    height: int
    zero: float


def balance_chart(ledger: TradeLedger) -> BalanceChart:
    """Bars from the zero line: right for a region that gave more than its share, left for
    one behind; the value is written at the end of each bar."""
    zero = WIDTH / 2
    reach = WIDTH / 2 - 70  # room for the value beyond the longest bar
    scale = max(1.0, max((abs(r.balance) for r in ledger.regions), default=0.0))
    bars = []
    ordered = sorted(ledger.regions, key=lambda r: (r.balance, r.code))
    for index, region in enumerate(ordered):
        length = abs(region.balance) / scale * reach
        ahead = region.balance >= 0
        x = zero if ahead else zero - length
        label_x = zero + length + 6 if ahead else zero - length - 6
        bars.append(
            Bar(
                code=region.code,
                balance=region.balance,
                top=30 + index * ROW,
                x=round(x, 1),
                width=round(max(length, 1.0), 1),
                ahead=ahead,
                label_x=round(label_x, 1),
                label_anchor="start" if ahead else "end",
            )
        )
    return BalanceChart(bars=bars, height=40 + len(bars) * ROW, zero=zero)


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    sessions: int
    shade: str
    dark: bool


@dataclass(frozen=True)
class Matrix:
    codes: list[str]
    cells: list[Cell]
    size: int


# Five steps from white to the brand blue; text turns white on the two darkest.
SHADES = ("#ffffff", "#d8eaf3", "#9ccbe0", "#3d8eb3", "#00557a")


def matrix_chart(ledger: TradeLedger) -> Matrix:
    """Hosts down the side, guests across the top; the darker, the more sessions."""
    codes = ledger.codes
    busiest = ledger.busiest_pair
    cells = []
    for row, host in enumerate(codes):
        for column, guest in enumerate(codes):
            if host == guest:
                continue
            pair = ledger.pair(host, guest)
            sessions = pair.sessions if pair else 0
            step = 0 if not sessions else min(4, 1 + (sessions * 4 - 1) // busiest)
            cells.append(
                Cell(
                    x=MATRIX_LABEL + column * MATRIX_CELL,
                    y=MATRIX_LABEL + row * MATRIX_CELL,
                    sessions=sessions,
                    shade=SHADES[step],
                    dark=step >= 3,
                )
            )
    return Matrix(codes=codes, cells=cells, size=MATRIX_LABEL + len(codes) * MATRIX_CELL + 2)
