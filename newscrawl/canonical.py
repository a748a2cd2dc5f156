"""Which copy of a story is its canonical record: a rule about the copies, not their order.

A story found at several places (a wire story on sister sites, exact or edited copies) is
stored once, under one URL; the others are its aliases (``also_at``). If the first copy
fetched were canonical, two crawls of the same pages would store different records
whenever the pages arrived in another order: another concurrency, a crawl resumed after
SIGINT, a site crawled on another day. So the canonical copy is the one ranked first by:

1. the earliest ``published`` (an undated copy after every dated one): the first to
   publish is most likely the origin. A bare date counts as the end of its day, so a copy
   giving the hour comes before one giving only the day; an offset is converted to UTC, a
   time without one is taken as UTC;
2. then the canonical URL, in plain string order: stable, and the same in every crawl.

Pages do not say which copy is the origin in a way the records keep (a copy naming another
site's page as its ``rel=canonical`` is read as that copy's own URL,
:func:`newscrawl.extract.loader.resolve_url`), so the rule stops at dates and URLs.

The rule decides wherever a copy meets a stored story (:mod:`newscrawl.pipelines.dedup`,
:mod:`newscrawl.pipelines.neardup`, and the store itself under its story lock,
:meth:`newscrawl.storage.stories.StoryPlaces.replace_story`): when the better copy comes
second, it takes the stored story's place and the earlier copy becomes an alias.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Sorts after any time of the day ("T23:59:59.999999") and before the next day.
_END_OF_DAY = "T24"
_UNDATED = (1, "")


def published_key(published: str | None) -> tuple[int, str]:
    """A sort key for a ``published`` value (ISO 8601 date or date-time, or None)."""
    if not published:
        return _UNDATED
    text = str(published).strip()
    if len(text) == 10:  # a bare date
        try:
            return (0, dt.date.fromisoformat(text).isoformat() + _END_OF_DAY)
        except ValueError:
            return _UNDATED
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return _UNDATED
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return (0, moment.isoformat())


def rank(url: str, published: str | None) -> tuple[tuple[int, str], str]:
    """The copy's place in the order above: lower is more canonical."""
    return (published_key(published), url)


def outranks(url: str, published: str | None, other_url: str, other_published: str | None) -> bool:
    """Whether the copy (``url``, ``published``) should be canonical rather than the other."""
    return rank(url, published) < rank(other_url, other_published)


@dataclass
class CopyOf:
    """On an item (internal field ``copy_of``): this copy outranks the stored story ``url``
    and replaces it as canonical (:class:`~newscrawl.pipelines.store.StorePipeline`).

    ``sketch`` is the copy's near-duplicate index entry (signature bytes, set size, band
    keys), which replaces the story's; None when near-duplicate detection is off.
    """

    url: str
    sketch: tuple[bytes, int, list[int]] | None = field(default=None, repr=False)
