"""Hostile strings, each with a name, typed into every text field by tests/security.

What each family tries: markup that would run in a page or an HTML e-mail (XSS), template
syntax that would be evaluated if user text ever reached a template engine, SQL that would
run if text were pasted into a query, CR/LF that would forge a header or a log line, a
string at and beyond the length limits, Unicode that hides or disguises text, spreadsheet
formulas that a CSV or XLSX export would otherwise run, and a NUL byte.
"""

from __future__ import annotations

LONG = "A" * 20_000  # exactly the longest text the forms and the API take

HOSTILE: dict[str, str] = {
    "script tag": "<script>alert(1)</script>",
    "attribute break-out": '"><img src=x onerror=alert(1)>',
    "single-quote break-out": "' autofocus onfocus='alert(1)",
    "svg onload": "<svg/onload=alert(1)>",
    "javascript url": '<a href="javascript:alert(1)">click</a>',
    "django variable": "{{ 7*7 }}",
    "django tag": "{% debug %}",
    "template literal": "${7*7}",
    "jinja expression": "{{ ''.__class__.__mro__ }}",
    "sql drop": "'; DROP TABLE incidents_incident; --",
    "sql or": "' OR '1'='1",
    "crlf header": "a\r\nSet-Cookie: x=1",
    "lf log line": "ok\nINFO forged log line",
    "20,000 characters": LONG,
    "20,001 characters": LONG + "B",
    "rtl override": "invoice\u202egpj.exe",
    "zero width": "pass\u200bword\u200d\ufeff",
    "homoglyph": "\u0430dmin@ex\u0430mple.org",  # Cyrillic а in place of Latin a
    "combining marks": "Z\u0351\u0358\u0360a\u0352\u0362l\u0358g\u0351o",
    "emoji and astral": "\U0001f4a9\U0001d573\u2028line separator",
    "formula hyperlink": '=HYPERLINK("http://example.org")',
    "formula dde": "+cmd|' /C calc'!A0",
    "formula at": "@SUM(1)",
    "formula minus": "-1+2",
    "formula tab": "\t=1+1",
    "nul byte": "before\x00after",
}


def named() -> list[tuple[str, str]]:
    """(name, string) pairs, for pytest ids."""
    return list(HOSTILE.items())
