"""Run the stand-in in the foreground until SIGTERM/SIGINT:

python -m kube_standin --port 6443 --kubeconfig /tmp/kc --kubelet ready

With --state-file the cluster outlives the process: its objects are read from the file at start
and written back within a second of every change and at exit. With --fail-prefix, stores whose
namespace starts with the prefix fail their setup Job (BackoffLimitExceeded), so a demo can show
a Failed store and Retry.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from kube_standin.standin import KubeStandin

SAVE_INTERVAL_SECONDS = 0.5
DEMO_FAILURE = (
    "the demo cluster fails the setup of every store named '{prefix}…' on purpose "
    "(kube_standin --fail-prefix)"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m kube_standin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--kubeconfig", type=Path, help="where to write the kubeconfig")
    parser.add_argument("--kubelet", choices=("ready", "hold"), default="ready")
    parser.add_argument(
        "--ready-after",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long workloads and claims take to become ready",
    )
    parser.add_argument(
        "--namespace-termination",
        type=float,
        default=0.3,
        metavar="SECONDS",
        help="how long a deleted namespace stays Terminating",
    )
    parser.add_argument(
        "--state-file", type=Path, help="keep the cluster's objects in this file across restarts"
    )
    parser.add_argument(
        "--fail-prefix",
        metavar="PREFIX",
        help="fail the setup Job of namespaces starting with PREFIX (demo failures)",
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    try:
        standin = KubeStandin(
            args.port,
            kubelet=args.kubelet,
            ready_after=args.ready_after,
            namespace_termination_seconds=args.namespace_termination,
            kubeconfig=args.kubeconfig,
            state_file=args.state_file,
        )
    except ValueError as exc:
        _exit_with(str(exc))
    if args.fail_prefix:
        standin.kubelet.fail(
            "Job",
            "BackoffLimitExceeded",
            DEMO_FAILURE.format(prefix=args.fail_prefix),
            namespace_prefix=args.fail_prefix,
        )
    try:
        standin.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        _exit_with(f"port {args.port} on 127.0.0.1 is already in use (another stand-in?)")
    try:
        print(
            f"kube stand-in listening on {standin.url} (kubeconfig: {standin.kubeconfig})",
            flush=True,
        )
        while not stop.wait(SAVE_INTERVAL_SECONDS):
            standin.save_state()
    finally:
        standin.close()


def _exit_with(message: str) -> NoReturn:
    print(f"kube_standin: {message}", file=sys.stderr)
    raise SystemExit(1)


if __name__ == "__main__":
    main()
