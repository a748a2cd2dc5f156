"""Connection URLs without their secrets, for every message, log line and error.

A ``STORE_URL`` or ``REDIS_URL`` can carry a password in two places: the user information
(``postgresql://user:PASSWORD@host/db``, ``redis://:PASSWORD@host``) and a query
parameter (``?password=...``, which libpq and redis-py both read). Whatever prints such
a URL prints :func:`redact_url` of it, and whatever prints an error a driver raised about
it prints :func:`scrub` of that error: drivers echo parts of the URL they could not read
(libpq quotes a bad percent-escape, password included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"
#: Query parameters that hold a secret (lower case), as drivers and services name them.
SECRET_PARAMS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "token", "access_token", "auth",
     "api_key", "apikey", "sslpassword", "requirepass"}
)  # fmt: skip
_PARAM = re.compile(r"(?P<key>[^?&;=#\s'\"]+)=(?P<value>[^&;#\s'\"]*)")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.I)


def _split(url: str) -> tuple[str, str, str]:
    """(scheme and ``//``, user information with its ``@``, the rest), cut by hand: a URL
    with a secret may be malformed, and must be redacted all the same. The user
    information ends at the last ``@`` before the query, not at the first ``/``: a
    password may hold a ``/`` its writer forgot to escape."""
    head, sep, tail = url.partition("://")
    if not sep:
        return "", "", url
    end = len(tail)
    for mark in "?#":
        found = tail.find(mark)
        if found != -1:
            end = min(end, found)
    userinfo, at, rest = tail[:end].rpartition("@")
    return head + sep, userinfo + at, rest + tail[end:]


def redact_url(url: str) -> str:
    """``url`` with its password (user information) and secret query values masked.

    ``postgresql://newscrawl:s3cret@db:5432/news?password=x&sslmode=require`` ->
    ``postgresql://newscrawl:***@db:5432/news?password=***&sslmode=require``.
    """
    scheme, userinfo, rest = _split(url)
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":" + MASK + "@"
    return scheme + userinfo + _PARAM.sub(_mask_param, rest)


def _mask_param(match: re.Match[str]) -> str:
    if unquote(match["key"]).lower() in SECRET_PARAMS:
        return f"{match['key']}={MASK}"
    return match[0]


def secrets_of(url: str) -> set[str]:
    """The secret strings of ``url``, as written and percent-decoded."""
    _, userinfo, rest = _split(url)
    found = set()
    if ":" in userinfo:
        found.add(userinfo[:-1].split(":", 1)[1])
    for match in _PARAM.finditer(rest):
        if unquote(match["key"]).lower() in SECRET_PARAMS:
            found.add(match["value"])
    return {variant for s in found for variant in (s, unquote(s)) if len(variant) >= 2}


def scrub(text: str, urls: Iterable[str] = ()) -> str:
    """``text`` (an error message) with every URL in it redacted and every secret of
    ``urls`` masked wherever it appears, longest first."""
    text = _URL.sub(lambda m: redact_url(m[0]), text)
    secrets = {s for url in urls if url for s in secrets_of(url)}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
