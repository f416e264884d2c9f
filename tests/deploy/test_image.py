"""The image recipe: hadolint-clean, shaped as the platform needs (non-root numeric user,
health check, labels, no build tools at runtime), and its build replayed from scratch (dashboard
build, wheel, fresh venv, pinned helm) until the built orchestrator answers."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.config import REPO_ROOT
from tests.deploy.dockerfile_replay import Replay, Stage, context_files, instructions

DOCKERFILE = REPO_ROOT / "Dockerfile"
BIN = Path(sys.executable).parent
PINNED_HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"


def final_stage_instructions() -> list[tuple[str, str]]:
    steps = list(instructions(DOCKERFILE))
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_final_stage_runs_as_a_numeric_non_root_user_with_a_health_check() -> None:
    final = final_stage_instructions()
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    # Pod Security `restricted` (runAsNonRoot) can only verify a numeric user.
    assert uid.isdigit() and int(uid) > 0 and (not gid or gid.isdigit())
    health = [arguments for keyword, arguments in final if keyword == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    labels = " ".join(arguments for keyword, arguments in final if keyword == "LABEL")
    for key in ("title", "description", "version", "revision"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_final_stage_builds_nothing() -> None:
    """No RUN in the runtime stage: compilers, caches and npm cannot end up in the image."""
    final = final_stage_instructions()
    assert [keyword for keyword, _ in final if keyword == "RUN"] == []
    copied = " ".join(arguments for keyword, arguments in final if keyword == "COPY")
    assert "node_modules" not in copied


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    sent = {path.as_posix() for path in context_files(REPO_ROOT)}
    assert "pyproject.toml" in sent and "helm/woocommerce/Chart.yaml" in sent
    for local in (".venv/", ".tools/", "dashboard/node_modules/", "var/", ".git/", "tests/"):
        assert not any(path.startswith(local) for path in sent), local


@pytest.fixture(scope="module")
def image() -> Iterator[Stage]:
    """The final stage, replayed once per run with the host's python3 and node as base images;
    removed afterwards (its build stages hold a full node_modules)."""
    with tempfile.TemporaryDirectory(prefix="woo-image-") as directory:
        yield build_image(Path(directory))


def build_image(workspace: Path) -> Stage:
    shims = workspace / "base-image-bin"
    shims.mkdir()
    # The base image's `python`: this interpreter (outside the venv it may run in).
    (shims / "python").symlink_to(Path(sys.executable))
    base_env = {
        "PATH": f"{shims}:{os.environ['PATH']}",
        # The real home: npm and pip reuse their download caches, the build dirs stay fresh.
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
    }
    return Replay(DOCKERFILE, REPO_ROOT, workspace / "stages", base_env).run(timeout=600)


def test_image_contains_the_pinned_helm_the_chart_and_the_dashboard(image: Stage) -> None:
    helm = Path(image.env["WOO_HELM_BIN"])
    assert hashlib.sha256(helm.read_bytes()).hexdigest() == PINNED_HELM_SHA256
    assert (Path(image.env["WOO_CHART_PATH"]) / "Chart.yaml").is_file()
    assert not (Path(image.env["WOO_CHART_PATH"]) / "prebuilt").exists()
    for environment in ("local", "prod"):
        assert (Path(image.env["WOO_VALUES_DIR"]) / f"values-{environment}.yaml").is_file()
    assert (Path(image.env["WOO_DASHBOARD_DIR"]) / "index.html").is_file()
    names = {path.name for path in image.root.rglob("*")}
    assert not names & {"npm", "node", "node_modules", "gcc", "cc", "wheels"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def started(
    image: Stage, kube_standin: Any, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """The image's entry point, started with the image's environment against the stand-in."""
    port = _free_port()
    env = {
        **image.env,
        "WOO_HOST": "127.0.0.1",
        "WOO_PORT": str(port),
        "WOO_DATA_DIR": str(tmp_path / "data"),
        "WOO_KUBECONFIG": str(kube_standin.kubeconfig),
        "HELM_CACHE_HOME": str(tmp_path / "helm" / "cache"),
        "HELM_CONFIG_HOME": str(tmp_path / "helm" / "config"),
        "HELM_DATA_HOME": str(tmp_path / "helm" / "data"),
    }
    log = (tmp_path / "orchestrator.log").open("w")
    process = subprocess.Popen(
        image.entrypoint, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_built_orchestrator_is_healthy_ready_and_serves_the_dashboard(
    started: tuple[str, dict[str, str]], image: Stage, tmp_path: Path
) -> None:
    url, env = started
    deadline = time.monotonic() + 60
    health = None
    while time.monotonic() < deadline:
        health = subprocess.run(image.healthcheck, env=env, capture_output=True, check=False)
        if health.returncode == 0:
            break
        time.sleep(0.5)
    log = (tmp_path / "orchestrator.log").read_text()
    assert health is not None and health.returncode == 0, log
    ready = httpx.get(f"{url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    # /readyz says only ok per check; which helm is in use the orchestrator logs at start.
    assert ready.json()["checks"]["helm"] == "ok"
    assert f"({env['WOO_HELM_BIN']})" in (tmp_path / "orchestrator.log").read_text()
    dashboard = httpx.get(f"{url}/ui/", timeout=10)
    assert dashboard.status_code == 200 and "<div id=" in dashboard.text


def test_health_check_fails_when_nothing_answers(image: Stage) -> None:
    env = {**image.env, "WOO_PORT": str(_free_port())}
    result = subprocess.run(image.healthcheck, env=env, capture_output=True, check=False)
    assert result.returncode != 0
