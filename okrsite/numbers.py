"""Numbers as every output writes them: pages, the CLI's table, change logs, exports'
explanations. One formatter, so 1234567.5 reads the same everywhere."""

from __future__ import annotations


def fmt_num(x: float) -> str:
    """A value as a person writes it: 18 not 18.0, 0.3 not 0.30000000000000004."""
    if abs(x) < 1e15 and x == int(x):  # (an infinity or NaN is no int: the test comes first)
        return str(int(x))
    return f"{x + 0.0:.10g}"  # + 0.0: no `-0`


def fmt_score(x: float) -> str:
    return fmt_fixed(x, 2)


def fmt_fixed(x: float, digits: int) -> str:
    """x with `digits` decimals, never `-0.00`: a value that rounds to zero has no sign
    (a score a hair below zero, the float -0.0)."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text
