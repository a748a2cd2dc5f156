"""The WARC files a replay or CC-NEWS run reads: paths, folders, and http(s) URLs.

- A **file** is read as given (``.warc.gz``, ``.warc``, or a ``.open`` file of a crawl that
  is still writing or was killed: its whole records are read, a torn end is counted).
- A **folder** stands for its finished archives: ``*.warc.gz`` and ``*.warc``, sorted by
  name (the crawl's names sort by time), never ``*.open`` files still being written.
- An **http(s) URL** (a CC-NEWS file on ``data.commoncrawl.org``) is downloaded to a
  temporary file first, in a thread, at most ``max_download`` bytes, and the copy is
  deleted once the file is read. Only URLs given by the user are downloaded: the fleet's
  queue carries file paths only (:mod:`newscrawl.fleet.files`).

A file is known by its name (``WarcInput.name``): that is what the store records when
it is finished (:mod:`newscrawl.storage.archives`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newscrawl.archive.files import OPEN_SUFFIX

WARC_SUFFIXES = (".warc.gz", ".warc")
DEFAULT_MAX_DOWNLOAD = 4 << 30  # CC-NEWS files are about 1 GB
DOWNLOAD_TIMEOUT = 60.0
_CHUNK = 1 << 20


class InputError(ValueError):
    """An input that is neither a WARC file, a folder of them, nor an http(s) URL."""


@dataclass(frozen=True)
class WarcInput:
    """One file to read: ``source`` as given, ``name`` its identity, ``url`` when remote."""

    source: str
    name: str
    url: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.source)


def is_url(text: str) -> bool:
    return urlsplit(text).scheme in ("http", "https")


def expand(inputs: Iterable[str]) -> list[WarcInput]:
    """Each input as the files it stands for (see the module docstring), in order, once."""
    found: dict[str, WarcInput] = {}
    for text in inputs:
        for item in _expand_one(text):
            found.setdefault(item.source, item)
    return list(found.values())


def _expand_one(text: str) -> Iterator[WarcInput]:
    if is_url(text):
        name = Path(unquote(urlsplit(text).path)).name
        if not name:
            raise InputError(f"no file name in URL {text}")
        yield WarcInput(text, name, url=text)
        return
    path = Path(text)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.name.endswith(WARC_SUFFIXES):
                yield WarcInput(str(child), child.name)
        return
    if not path.is_file():
        raise InputError(f"no such WARC file or folder: {text}")
    yield WarcInput(str(path), path.name.removesuffix(OPEN_SUFFIX))


def download(url: str, folder: Path, max_bytes: int = DEFAULT_MAX_DOWNLOAD) -> Path:
    """Copy ``url`` to a new file in ``folder``, streaming, at most ``max_bytes``;
    ``OSError`` (``urllib.error.URLError`` is one) when it cannot be read whole."""
    name = Path(unquote(urlsplit(url).path)).name or "download.warc.gz"
    handle, temp = tempfile.mkstemp(prefix="warc-", suffix=f"-{name}", dir=folder)
    target = Path(temp)
    try:
        with os.fdopen(handle, "wb") as out:
            request = urllib.request.Request(url, headers={"User-Agent": "newscrawl"})
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as answer:
                declared = answer.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise OSError(f"{url}: {declared} bytes, over the limit of {max_bytes}")
                copied = 0
                while chunk := answer.read(_CHUNK):
                    copied += len(chunk)
                    if copied > max_bytes:
                        raise OSError(f"{url}: over the limit of {max_bytes} bytes")
                    out.write(chunk)
                if declared and declared.isdigit() and copied != int(declared):
                    raise OSError(f"{url}: {copied} of {declared} bytes received")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def scratch_folder() -> Path:
    """A private temporary folder for downloads (removed with :func:`remove_folder`)."""
    return Path(tempfile.mkdtemp(prefix="newscrawl-warc-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
