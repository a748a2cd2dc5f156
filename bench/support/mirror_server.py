"""The bench's web server: a separate process serving a mirror folder on 127.0.0.1.

It is the tests' recording proxy (``tests/servers.py``): crawls run with
``http_proxy``/``https_proxy`` pointing at it, and it answers every ``http(s)://HOST/PATH``
from ``ROOT/HOST/PATH`` (HTTPS through ``CONNECT`` and TLS, as a real site would need),
so the spiders crawl their real start URLs and nothing leaves the machine. Run as
``python -m bench.support.mirror_server ROOT``: it prints its proxy URL on one line, then serves
until its standard input closes or it is terminated.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.servers import RecordingProxy, _Handler


class _NoDelayHandler(_Handler):
    # Headers and body leave in separate writes; with Nagle's algorithm on, the body waits
    # for the client's delayed ACK of the headers, and the bench would measure that wait.
    disable_nagle_algorithm = True


class QuietProxy(RecordingProxy):
    """Records nothing (the bench only needs the answers) and sends without delay."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.RequestHandlerClass = _NoDelayHandler

    def record(self, url: str, user_agent: str) -> None:
        pass


def main() -> None:
    with QuietProxy(Path(sys.argv[1])) as proxy:
        print(proxy.url, flush=True)
        sys.stdin.read()  # the bench closes our stdin (or terminates us) when it is done


if __name__ == "__main__":
    main()
