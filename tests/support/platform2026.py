"""The offline mirror's SMN site on the 2026 platform (``marsdaily.com``), as the tests of
the SMN profile on both platforms read it: its posts by URL, and its wire story with the
classic copy SpaceDaily.com carries (``fixtures/platform2026.json``)."""

from __future__ import annotations

from typing import Any

from fixtures import build_platform2026

BASE = "https://marsdaily.com"
CLASSIC_COPY = "https://www.spacedaily.com/2022/221022032000.8rbjxa8u.html"
SITE: dict[str, Any] = build_platform2026.load()
POSTS: dict[str, dict[str, Any]] = {f"{BASE}/{p['slug']}/": p for p in SITE["posts"]}
(WIRE_URL,) = [url for url, p in POSTS.items() if "wire_of" in p]
