"""Run the stand-in in the foreground until SIGTERM/SIGINT:

python -m kube_standin --port 6443 --kubeconfig /tmp/kc --kubelet ready
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from kube_standin.standin import KubeStandin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m kube_standin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--kubeconfig", type=Path, help="where to write the kubeconfig")
    parser.add_argument("--kubelet", choices=("ready", "hold", "off"), default="ready")
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
    args = parser.parse_args(argv)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    with KubeStandin(
        args.port,
        kubelet=args.kubelet,
        ready_after=args.ready_after,
        namespace_termination_seconds=args.namespace_termination,
        kubeconfig=args.kubeconfig,
    ) as standin:
        print(
            f"kube stand-in listening on {standin.url} (kubeconfig: {standin.kubeconfig})",
            flush=True,
        )
        stop.wait()


if __name__ == "__main__":
    main()
