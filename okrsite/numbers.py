"""Numbers as every output writes them: pages, the CLI's table, change logs, exports'
explanations. One formatter, so 1234567.5 reads the same everywhere."""

from __future__ import annotations


def fmt_num(x: float) -> str:
    """A value as a person writes it: 18 not 18.0, 0.3 not 0.30000000000000004."""
    if abs(x) < 1e15 and x == int(x):  # (an infinity or NaN is no int: the test comes first)
        return str(int(x))
    return f"{x + 0.0:.10g}"  # + 0.0: no `-0`


def fmt_grouped(x: float) -> str:
    """A measured value for a reader, thousands grouped: 241,000 and 1,234.5 (as
    `fmt_num` otherwise)."""
    if -999.5 < x < 999.5:  # 10 digits at most: a whole part of 3 or fewer, no group
        return fmt_num(x)
    return group_thousands(fmt_num(x))


def group_thousands(text: str) -> str:
    """A formatted number with its whole part grouped (`1234.5` -> `1,234.5`); an
    exponent, infinity or anything else not plain digits is left as it is."""
    whole, dot, frac = text.partition(".")
    digits = whole.lstrip("-")
    if len(digits) < 4 or not digits.isdigit() or not (frac.isdigit() or not dot):
        return text
    return f"{whole[:len(whole) - len(digits)]}{int(digits):,}{dot}{frac}"


def fmt_score(x: float) -> str:
    return fmt_fixed(x, 2)


def fmt_fixed(x: float, digits: int) -> str:
    """x with `digits` decimals, never `-0.00`: a value that rounds to zero has no sign
    (a score a hair below zero, the float -0.0)."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text
