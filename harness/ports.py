"""Ports for the processes tests and benchmarks start."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

# Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default), so
# no outgoing connection and no server that binds port 0 is handed one of these meanwhile.
LOWEST, HIGHEST = 20000, 32767
# One lock file per port handed out, held by the process that took it until it exits: test
# processes running side by side (pytest-xdist workers, another checkout's run) never take the
# same port, however late the server they start binds it.
LOCKS = Path(tempfile.gettempdir()) / "woo-platform-ports"
_held: dict[int, int] = {}


def free_port() -> int:
    """A port on 127.0.0.1 that is free and that no other process calling this will be given
    while this process lives."""
    LOCKS.mkdir(exist_ok=True)
    for _ in range(1000):
        port = random.randint(LOWEST, HIGHEST)
        if port in _held:
            continue
        lock = os.open(LOCKS / str(port), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(lock)
            if error.errno in (errno.EAGAIN, errno.EACCES):
                continue
            raise
        if _bindable(port):
            _held[port] = lock
            return port
        os.close(lock)
    raise RuntimeError(f"no free port between {LOWEST} and {HIGHEST}")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
