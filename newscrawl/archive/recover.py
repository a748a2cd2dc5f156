"""Finish the ``.open`` WARC files of writers that died (``kill -9``, a crash, a reboot).

A killed crawl leaves ``NAME.warc.gz.open``: every record it finished is readable, the
last one may be torn (``newscrawl.archive.writer``). Readers cope with that as it is; this
module turns such a file into a finished one, so that whatever lists finished archives
(replay, uploads) takes it too: the torn tail, if any, is cut off after the last whole
record, the file is synced and renamed without ``.open``.

Which files are orphans: the writer's host and process id are in the file name; a file
of this host whose process is gone is an orphan. A file of another host is never taken
(its writer may be alive there), nor one whose process id is in use (if the id was
reused by another process the file waits for the next start: the safe side).
Recovering reads the whole file once (about a quarter of a millisecond per record), so a
crawl should do it at start-up, not on every write.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from pathlib import Path

from newscrawl.archive.files import OPEN_SUFFIX, fsync_dir
from newscrawl.archive.reader import WarcReader

logger = logging.getLogger(__name__)

_OPEN_NAME = re.compile(r".+-(?P<host>[A-Za-z0-9._]+)-(?P<pid>\d+)\.warc(?:\.gz)?\.open")


def orphans(directory: str | Path, hostname: str | None = None) -> list[Path]:
    """The ``.open`` files in ``directory`` whose writer on this host is no longer running."""
    host = re.sub(r"[^A-Za-z0-9.]", "_", hostname or socket.gethostname())
    found = []
    for path in sorted(Path(directory).glob(f"*{OPEN_SUFFIX}")):
        match = _OPEN_NAME.fullmatch(path.name)
        if match and match["host"] == host and not _running(int(match["pid"])):
            found.append(path)
    return found


def recover(path: str | Path) -> Path:
    """Cut ``path`` after its last whole record, sync it and drop ``.open`` from its name;
    return the new path. Raises ``FileExistsError`` if that name is taken."""
    path = Path(path)
    if not path.name.endswith(OPEN_SUFFIX):
        raise ValueError(f"not a file being written: {path}")
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if final.exists():
        raise FileExistsError(final)
    reader = WarcReader(verify_digests=False)  # framing only: digests are for consumers
    for _ in reader.read(path):
        pass
    with path.open("r+b") as fh:
        if reader.stats.torn:
            fh.truncate(reader.whole_end)
            if final.suffix == ".warc" and reader.whole_end:
                # A plain file's last whole record ends in CRLF CRLF, which the reader's
                # offsets leave out (warcio counts them as the gap between records).
                fh.seek(reader.whole_end)
                fh.write(b"\r\n\r\n")
            logger.warning(
                "WARC %s: torn last record cut off (%d bytes)",
                path.name,
                reader.stats.skipped_bytes,
            )
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(path, final)
    fsync_dir(final.parent)
    return final


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
