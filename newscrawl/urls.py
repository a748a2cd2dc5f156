"""URL canonicalisation: one spelling per article, so that dedup by URL is exact.

The same page is reachable as http and https, with and without ``www.``, with tracking
parameters appended by newsletters and social shares, and with fragments. All of those
collapse to one canonical form: https, the host without ``www.`` (unless only a public
suffix would be left: :func:`without_www`), no default port, no fragment, no tracking
parameters, remaining query parameters sorted.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList

# Parameters that identify a campaign or a click, never a page.
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "__hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "ref", "ref_src", "cmpid", "ncid", "sr_share", "at_medium",
        "at_campaign", "ito", "spm", "share", "smid", "cid",
    }
)  # fmt: skip

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_MULTI_SLASH = re.compile(r"/{2,}")


def site_of(url: str) -> str:
    """The site an URL belongs to: its host without ``www.``, lower-cased.

    Sister-site dedup and per-site reports group by this, so ``www.spacewar.com`` and
    ``spacewar.com`` (the 2026 platform dropped ``www.``) count as one site. See
    :func:`without_www` for when ``www.`` stays.
    """
    return without_www((urlsplit(url).hostname or "").lower().rstrip("."))


def without_www(host: str) -> str:
    """``host`` with its leading ``www.`` labels removed while a registrable name is left.

    ``www.`` is a convention, not part of a site's name, except where it *is* the name:
    ``www.com`` or ``www.co.uk`` stripped would be ``com`` and ``co.uk``, public suffixes
    that no site is (and that every ``*.com`` host would share). So a ``www.`` goes only
    when what remains is not a public suffix (the Public Suffix List, shipped with the
    ``publicsuffixlist`` package; a name under no listed suffix counts as one, as the list's
    own default rule says). Stripping repeats, so the result is a fixed point:
    ``www.www.com`` -> ``www.com`` (and stays), ``www.www.spacewar.com`` -> ``spacewar.com``.
    """
    while host.startswith("www.") and not _is_public_suffix(host[4:]):
        host = host[4:]
    return host


@functools.cache
def _suffix_list() -> PublicSuffixList:
    # Parsed on first use (about 60 ms): most hosts never ask, as they have no "www.".
    return PublicSuffixList()


def _is_public_suffix(name: str) -> bool:
    return not name or bool(_suffix_list().is_public(name))


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Return the canonical spelling of ``url`` (see the module docstring).

    The host keeps ``www.`` out: ``http://www.SpaceWar.com/a.html#x`` and
    ``https://spacewar.com/a.html?utm_source=rss`` both become
    ``https://spacewar.com/a.html``. Non-HTTP URLs are returned stripped but unchanged,
    since there is no safe canonical form to give them.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = site_of(url)
    netloc = host
    # The result is https, so :443 is its default port too (else not idempotent).
    if parts.port is not None and str(parts.port) not in (_DEFAULT_PORTS[scheme], "443"):
        netloc = f"{host}:{parts.port}"
    path = _MULTI_SLASH.sub("/", parts.path or "/")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = sorted((k, v) for k, v in pairs if not is_tracking_param(k))
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def safe_urljoin(base: str, href: str | None) -> str:
    """``href`` made absolute against ``base``; "" when urllib cannot read it.

    Pages hold links such as ``http://[::1`` (a broken IPv6 literal) on which ``urljoin``
    raises ``ValueError``; one bad link must not lose the whole article.
    """
    try:
        return urljoin(base, (href or "").strip())
    except ValueError:
        return ""
