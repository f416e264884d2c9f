"""The command runner against the real helm binary, and against executables that misbehave
the way a stuck helm does (the edge of the process, not our code, is what is faked)."""

import asyncio
import os
import stat
import time
from pathlib import Path

import pytest

from orchestrator.helm.errors import ChartRenderError, HelmNotInstalled, HelmTimeout
from orchestrator.helm.runner import HELM_NICENESS, HelmRunner


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-helm"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


async def test_real_helm_runs(helm_bin: Path) -> None:
    result = await HelmRunner(helm_bin).version()
    assert result.stdout.startswith("v")


async def test_render_error_from_real_helm(helm_bin: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text('{{ fail "ingress.host is required" }}\n')
    with pytest.raises(ChartRenderError, match=r"ingress\.host is required"):
        await HelmRunner(helm_bin).run(["template", "r", str(chart)], timeout=30)


async def test_missing_binary_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(HelmNotInstalled):
        await HelmRunner(tmp_path / "nope").version()


async def test_arguments_are_passed_verbatim_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "argv"
    fake = _script(tmp_path, f'for a in "$@"; do echo "$a" >> {out}; done\n')
    await HelmRunner(fake, kubeconfig=Path("/k c")).run(["status", "$(rm -rf /)", "a;b"], timeout=5)
    assert out.read_text().splitlines() == ["status", "$(rm -rf /)", "a;b", "--kubeconfig", "/k c"]


async def test_values_go_on_stdin_not_argv(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    fake = _script(tmp_path, f'echo "$@" > {seen}.argv; cat > {seen}.stdin; echo "{{}}"\n')
    await HelmRunner(fake).upgrade_install(
        "store",
        Path("/chart"),
        namespace="ns",
        values_files=[Path("/v.yaml")],
        values_stdin='{"ingress": {"host": "a.b"}}',
        timeout=60,
    )
    argv = Path(f"{seen}.argv").read_text()
    assert "--values /v.yaml --values -" in argv
    assert "--history-max 5" in argv and "--timeout 60s" in argv and "--output json" in argv
    assert "a.b" not in argv
    assert Path(f"{seen}.stdin").read_text() == '{"ingress": {"host": "a.b"}}'


async def test_hanging_helm_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    fake = _script(tmp_path, f"echo $$ > {pidfile}\nexec sleep 60\n")
    runner = HelmRunner(fake)
    # Our deadline is helm's --timeout plus a little slack (5 s) for helm to report itself.
    with pytest.raises(HelmTimeout):
        await runner.run(["upgrade"], timeout=0.5)
    assert not _alive(int(pidfile.read_text()))


async def test_cancellation_kills_the_child(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    fake = _script(tmp_path, f"echo $$ > {pidfile}\nexec sleep 60\n")
    task = asyncio.create_task(HelmRunner(fake).run(["upgrade"], timeout=300))
    while not pidfile.exists() or not pidfile.read_text().strip():
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(int(pidfile.read_text()))


async def test_a_kill_reaches_what_helm_started(tmp_path: Path) -> None:
    # A post-renderer or plugin is a child of helm: killing helm alone would orphan it.
    pidfile = tmp_path / "grandchild"
    fake = _script(tmp_path, f"sleep 60 &\necho $! > {pidfile}\nwait\n")
    with pytest.raises(HelmTimeout):
        await HelmRunner(fake).run(["upgrade"], timeout=0.5)
    # helm itself has been waited for; its child dies of the same signal a moment later.
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not _alive(grandchild)


async def test_helm_runs_behind_the_api_in_our_session(tmp_path: Path) -> None:
    """Its own process group (for the kill above), our session, and a lower priority. A
    session of its own would put helm in a scheduling group of its own where the kernel
    groups sessions (autogroup), and its niceness would then no longer rank it below the
    API's threads."""
    seen = tmp_path / "stat"
    fake = _script(tmp_path, f"cat /proc/$$/stat > {seen}\n")
    await HelmRunner(fake).run(["status"], timeout=5)
    text = seen.read_text()
    pid = int(text.split()[0])
    # Fields after the command name (which may hold spaces): state, ppid, pgrp, session, ...
    fields = text[text.rindex(")") + 2 :].split()
    process_group, session, nice = int(fields[2]), int(fields[3]), int(fields[16])
    assert process_group == pid
    assert session == os.getsid(0)
    assert nice == min(19, os.getpriority(os.PRIO_PROCESS, 0) + HELM_NICENESS)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes; /proc tells them apart.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
