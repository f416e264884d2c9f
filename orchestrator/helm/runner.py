"""Run one helm command: argv exec (never a shell), a timeout, the child killed on cancellation,
stderr mapped to typed errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from orchestrator.helm.errors import (
    HelmError,
    HelmNotInstalled,
    HelmTimeout,
    ReleaseNotFound,
    classify,
)

log = logging.getLogger(__name__)

# Past the deadline helm gets this long to exit after SIGTERM before it is SIGKILLed.
_KILL_GRACE_SECONDS = 2.0
# helm is background work and burns CPU rendering and diffing; the API answering people must
# not wait behind it. `nice` execs helm in place, so the pid and process group stay helm's.
# In a pod this only orders the orchestrator's own processes; on a machine shared with other
# work it also puts helm behind everything else, which a comparison with a plain helm run must
# allow for (bench/platform.py runs its baseline helm at the same niceness).
HELM_NICENESS = 10
_NICE = shutil.which("nice")
LOWER_PRIORITY = [_NICE, "-n", str(HELM_NICENESS)] if _NICE else []

# Told of every helm command: its verb, duration in seconds and result ("ok", or the error
# kind in snake case, e.g. "helm_timeout").
CommandObserver = Callable[[str, float, str], None]


@dataclass(frozen=True)
class HelmResult:
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else None


class HelmRunner:
    """One method per helm verb we use; every call is an argument list for exec."""

    def __init__(
        self,
        binary: Path | None,
        *,
        kubeconfig: Path | None = None,
        kube_context: str | None = None,
        env: Mapping[str, str] | None = None,
        on_command: CommandObserver | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.binary = binary
        self._on_command = on_command
        self._tracer = tracer or trace.NoOpTracer()
        self.global_args: list[str] = []
        if kubeconfig is not None:
            self.global_args += ["--kubeconfig", str(kubeconfig)]
        if kube_context is not None:
            self.global_args += ["--kube-context", kube_context]
        self.env = dict(env) if env is not None else None

    async def upgrade_install(
        self,
        release: str,
        chart: Path,
        *,
        namespace: str,
        values_files: Sequence[Path],
        values_stdin: str,
        timeout: float,
        history_max: int = 5,
    ) -> HelmResult:
        args = [
            "upgrade",
            release,
            str(chart),
            "--install",
            "--namespace",
            namespace,
            "--output",
            "json",
            "--history-max",
            str(history_max),
            "--timeout",
            _duration(timeout),
        ]
        for values_file in values_files:
            args += ["--values", str(values_file)]
        # Per-store values come on stdin: no temp file to leak or clean up.
        args += ["--values", "-"]
        return await self.run(args, timeout=timeout, stdin=values_stdin)

    async def status(self, release: str, *, namespace: str, timeout: float) -> HelmResult:
        return await self.run(
            ["status", release, "--namespace", namespace, "--output", "json"], timeout=timeout
        )

    async def uninstall(self, release: str, *, namespace: str, timeout: float) -> HelmResult:
        return await self.run(
            ["uninstall", release, "--namespace", namespace, "--timeout", _duration(timeout)],
            timeout=timeout,
        )

    async def rollback(
        self, release: str, revision: int, *, namespace: str, timeout: float
    ) -> HelmResult:
        return await self.run(
            [
                "rollback",
                release,
                str(revision),
                "--namespace",
                namespace,
                "--timeout",
                _duration(timeout),
            ],
            timeout=timeout,
        )

    async def version(self, timeout: float = 10.0) -> HelmResult:
        return await self.run(["version", "--short"], timeout=timeout)

    async def run(
        self, args: Sequence[str], *, timeout: float, stdin: str | None = None
    ) -> HelmResult:
        """Run ``helm *args``; raise a typed HelmError on failure, HelmTimeout past ``timeout``."""
        started = time.monotonic()
        # Stays None for a command cancelled on our side.
        result: str | None = None
        # The arguments hold names and paths only: values travel on stdin.
        with self._tracer.start_as_current_span(
            f"helm {args[0]}",
            kind=SpanKind.CLIENT,
            attributes={"woo.helm.args": list(args)},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                outcome = await self._exec(args, timeout=timeout, stdin=stdin)
                result = "ok"
                return outcome
            except HelmError as exc:
                result = _snake_case(type(exc).__name__)
                # A release that is not there is an answer (we ask before installing).
                if not isinstance(exc, ReleaseNotFound):
                    span.set_status(Status(StatusCode.ERROR, result))
                raise
            finally:
                if result is not None:
                    span.set_attribute("woo.helm.result", result)
                    if self._on_command is not None:
                        self._on_command(args[0], time.monotonic() - started, result)

    async def _exec(self, args: Sequence[str], *, timeout: float, stdin: str | None) -> HelmResult:
        if self.binary is None or not self.binary.is_file():
            raise HelmNotInstalled("helm binary not found (set WOO_HELM_BIN or put helm on PATH)")
        argv = [*LOWER_PRIORITY, str(self.binary), *args, *self.global_args]
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            # Its own process group, so a kill reaches anything helm starts (post-renderers),
            # but our session: where the kernel groups a session's processes for CPU shares
            # (autogroup, on hosts outside a container's cgroup), a session of its own made
            # every helm an equal of the whole orchestrator and its niceness void; measured
            # on a 50-store burst, that alone put POSTs at p95 45-60 ms instead of 16.
            process_group=0,
        )
        try:
            # helm's own --timeout covers waiting on the cluster; ours also covers a helm that
            # hangs before it gets there (an unresponsive API server), with a little slack.
            out, err = await asyncio.wait_for(
                process.communicate(stdin.encode() if stdin is not None else None),
                timeout=timeout + 5.0,
            )
        except TimeoutError:
            await _terminate(process)
            raise HelmTimeout(f"helm {args[0]} did not finish within {timeout:.0f}s") from None
        except BaseException:
            # Cancelled (a DELETE arrived, or shutdown): the child must not outlive us.
            await _terminate(process)
            raise
        seconds = time.monotonic() - started
        stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
        log.debug("helm %s exited %s in %.2fs", args[0], process.returncode, seconds)
        if process.returncode != 0:
            raise classify(stderr, args[0])
        return HelmResult(stdout=stdout, stderr=stderr, seconds=seconds)


async def _terminate(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), _KILL_GRACE_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def _duration(seconds: float) -> str:
    return f"{max(1, int(seconds))}s"


def _snake_case(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")
