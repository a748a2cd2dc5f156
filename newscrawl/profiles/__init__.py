"""Site profiles: the precise, per-site extraction rules, and the registry that picks one.

``PROFILES`` is the list of known site families; :func:`profile_for` finds the one that
claims a URL. A URL no profile claims goes to the generic extractor
(:mod:`newscrawl.extract.generic`).
"""

from __future__ import annotations

from newscrawl.extract.page import ArticlePage, ProfileMismatch, field
from newscrawl.profiles.base import Section, SiteProfile
from newscrawl.profiles.smn import SMN

PROFILES: tuple[SiteProfile, ...] = (SMN,)


def profile_for(url: str) -> SiteProfile | None:
    for profile in PROFILES:
        if profile.claims(url):
            return profile
    return None


def profile_named(name: str) -> SiteProfile:
    for profile in PROFILES:
        if profile.name == name:
            return profile
    known = ", ".join(p.name for p in PROFILES)
    raise KeyError(f"unknown site profile {name!r} (known: {known})")


__all__ = [
    "PROFILES",
    "ArticlePage",
    "ProfileMismatch",
    "Section",
    "SiteProfile",
    "field",
    "profile_for",
    "profile_named",
]
