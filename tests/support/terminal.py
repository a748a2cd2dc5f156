"""Run a command with its standard error on a real pseudo-terminal, as a person sees it.

Progress bars are drawn only when standard error is a terminal
(:mod:`newscrawl.cli.progress`): :func:`run_in_terminal` gives the child a pty from
:mod:`pty` for standard error (120 columns wide) and a pipe for standard output, so a test
can read what the terminal showed and compare standard output byte for byte with a run
whose standard error is a pipe (:func:`run_piped`).
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str  # what the terminal (or the pipe) received


def run_in_terminal(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300
) -> Run:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    shown = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed its end
                return
            if not data:
                return
            shown.extend(data)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        try:
            child = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=slave,
            )  # fmt: skip
        finally:
            os.close(slave)  # the child's copy stays open until it exits
        stdout, _ = child.communicate(timeout=timeout)
        reader.join(timeout=30)
    finally:
        os.close(master)
    return Run(child.returncode, stdout, shown.decode("utf-8", "replace"))


def run_piped(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> Run:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr.decode("utf-8", "replace"))
