"""HTML tables as XML: the end tags HTML implies written out, so a test can parse a
table that leaves them out (charts' tables omit their cells' `</td>` and `</th>`, their
rows' `</tr>` and the `</tbody>`) with ElementTree and still see every escaping mistake
as a parse error."""

from __future__ import annotations

import re

_TAG = re.compile(r"<(/?)(table|thead|tbody|tr|td|th)(?=[\s>])[^>]*>")
_CELLS = ("td", "th")


def closed(html: str) -> str:
    """`html` with the implied `</td>`, `</th>`, `</tr>` and `</tbody>` inserted (HTML's
    rules: a cell ends at the next cell, row or the end of its row group or table; a
    row at the next row or the end of its group; a row group at the next one or the
    end of its table)."""
    out, at, stack = [], 0, []  # stack: the open table elements, innermost last
    for m in _TAG.finditer(html):
        end, name = m[1] == "/", m[2]
        implied = []
        if (not end and name in _CELLS) or (end and name == "tr"):
            while stack and stack[-1] in _CELLS:
                implied.append(stack.pop())
        elif (not end and name in ("tr", "tbody", "thead")) or (
                end and name in ("tbody", "thead", "table")):
            while stack and stack[-1] in (*_CELLS, "tr"):
                implied.append(stack.pop())
            # a row group ends at the next group or at the table's end
            if (not end and name != "tr") or (end and name == "table"):
                while stack and stack[-1] in ("tbody", "thead"):
                    implied.append(stack.pop())
        out.append(html[at:m.start()] + "".join(f"</{t}>" for t in implied) + m[0])
        at = m.end()
        if end:
            if stack and stack[-1] == name:
                stack.pop()
        else:
            stack.append(name)
    out.append(html[at:])
    return "".join(out)
