"""A process that archives pages until it is killed (run as a script by tests/test_archive.py).

    python tests/support/warc_writer_child.py DIR loop   # write exchanges forever
    python tests/support/warc_writer_child.py DIR torn   # 3 exchanges, then half a record

``loop`` prints the number of exchanges written after each ``write_exchange`` returns,
so the test knows which records were complete before its ``kill -9`` (bodies of a few
hundred KiB; the kill lands wherever the child is, most often between two writes, since
a write takes a millisecond or so). ``torn`` writes three exchanges and then the first
half of a fourth record's bytes, as a writer killed inside its ``write(2)`` leaves them,
prints ``torn`` and waits to be killed: the deterministic version of the same accident.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from newscrawl.archive import Exchange, WarcWriter
from newscrawl.archive.records import build_record, gzip_member

HEADERS = [(b"Content-Type", b"application/octet-stream")]


def exchange(number: int, size: int) -> Exchange:
    return Exchange(
        url=f"http://127.0.0.1/page/{number}",
        status=200,
        response_headers=HEADERS,
        body=os.urandom(size),
        request_headers=[(b"User-Agent", b"child")],
        ip_address="127.0.0.1",
    )


def main() -> None:
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    writer = WarcWriter(folder, max_size=1 << 40)
    if mode == "loop":
        number = 0
        while True:
            writer.write_exchange(exchange(number, 200_000 + (number % 7) * 50_000))
            number += 1
            print(number, flush=True)
    writer_count = 3
    for number in range(writer_count):
        writer.write_exchange(exchange(number, 5_000))
    record = build_record("resource", [], os.urandom(20_000), content_type="text/plain")
    member = gzip_member(record, 6)
    with open(writer.current_path, "ab") as fh:  # type: ignore[arg-type]
        fh.write(member[: len(member) // 2])
    print("torn", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
