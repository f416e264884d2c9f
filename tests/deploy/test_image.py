"""The image recipes. The platform's: hadolint-clean, shaped as the platform needs (non-root
numeric user, health check, labels, no build tools at runtime), and its build replayed from
scratch (dashboard build, wheel, fresh venv, pinned helm) until the built orchestrator answers.

The prebuilt store image (helm/woocommerce/prebuilt/Dockerfile): hadolint-clean and shaped as the
chart expects; its build is not replayed here. Its base images are the official WordPress and
WP-CLI images (PHP, WordPress core, WP-CLI) and it fetches WooCommerce from wordpress.org, none of
which this test can have without Docker and that network. What its seed stage runs,
prebuilt/build-seed.sh, runs in tests/chart/test_seed.py against a real MariaDB server (a private
one started by the script, as in the build) with a WP-CLI stand-in."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from harness.ports import free_port
from orchestrator.config import REPO_ROOT
from tests.deploy.dockerfile_replay import Replay, Stage, context_files, instructions

DOCKERFILE = REPO_ROOT / "Dockerfile"
STORE_IMAGE = REPO_ROOT / "helm" / "woocommerce" / "prebuilt"
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


def test_the_prebuilt_store_image_recipe_is_hadolint_clean() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(STORE_IMAGE / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def store_image_stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, arguments in instructions(STORE_IMAGE / "Dockerfile"):
        if keyword == "FROM":
            words = arguments.split()
            current = stages.setdefault(words[2] if len(words) == 3 else "final", [])
        current.append((keyword, arguments))
    return stages


def test_the_prebuilt_store_image_carries_a_seed_built_in_its_own_stage() -> None:
    """setup.seed: the seed is made in a build stage (MariaDB server and WP-CLI stay there) and
    only its files reach the image, outside the docroot, where prepare-docroot.sh looks."""
    stages = store_image_stages()
    assert list(stages) == ["woocommerce", "seed", "final"]
    seed = stages["seed"]
    assert seed[0] == ("FROM", "wordpress:${WORDPRESS_TAG} AS seed"), "the image's own WordPress"
    runs = [arguments for keyword, arguments in seed if keyword == "RUN"]
    assert any("mariadb-server=${MARIADB_VERSION}" in run for run in runs)
    assert runs[-1] == "bash /usr/local/bin/build-seed.sh /seed"
    assert ("COPY", "build-seed.sh /usr/local/bin/build-seed.sh") in seed
    assert (STORE_IMAGE / "build-seed.sh").is_file()
    final = stages["final"]
    assert [keyword for keyword, _ in final if keyword == "RUN"] == []
    copies = [arguments for keyword, arguments in final if keyword == "COPY"]
    assert copies[-1] == "--from=seed --chown=www-data:www-data /seed /usr/src/woo-platform-seed"
    assert not any("mariadb" in copy or "/usr/local/bin/wp" in copy for copy in copies)


def test_the_seed_is_dumped_by_the_mariadb_series_the_stores_run() -> None:
    dockerfile = (STORE_IMAGE / "Dockerfile").read_text()
    pinned = re.search(r"^ARG MARIADB_VERSION=1:(\d+\.\d+)\.\*$", dockerfile, re.MULTILINE)
    assert pinned is not None
    chart = yaml.safe_load((REPO_ROOT / "helm" / "woocommerce" / "values.yaml").read_text())
    assert chart["mariadb"]["image"]["tag"].startswith(pinned.group(1) + ".")


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


@pytest.fixture
def started(
    image: Stage, kube_standin: Any, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """The image's entry point, started with the image's environment against the stand-in."""
    port = free_port()
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
    env = {**image.env, "WOO_PORT": str(free_port())}
    result = subprocess.run(image.healthcheck, env=env, capture_output=True, check=False)
    assert result.returncode != 0
