"""Every GitHub Actions workflow validates against the workflow schema (the copy vendored in the
pinned check-jsonschema), and the kind smoke test runs on pull requests and keeps its evidence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestrator.config import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
CHECKER = Path(sys.executable).with_name("check-jsonschema")


def check(workflow: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECKER), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_actions_schema(workflow: Path) -> None:
    result = check(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    assert check(broken).returncode != 0


def test_kind_smoke_runs_on_pull_requests_and_uploads_diagnostics_on_failure() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "kind-smoke.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert "pull_request" in triggers and "push" in triggers
    steps = workflow["jobs"]["smoke"]["steps"]
    assert any(step.get("run") == "scripts/kind/smoke.sh" for step in steps)
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["if"] == "failure()"
    assert uploads[0]["with"]["path"] == "test-artifacts/kind-smoke/"
    smoke = (REPO_ROOT / "scripts" / "kind" / "smoke.sh").read_text()
    assert "artifacts=${WOO_SMOKE_ARTIFACTS:-test-artifacts/kind-smoke}" in smoke


def test_kind_smoke_times_the_seeded_setup() -> None:
    """The figure the smoke test prints is the fast path's: the prebuilt image it builds carries
    the seed, local stores use it (setup.seed), and the run fails if a store was installed
    without it."""
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "kind-smoke.yml").read_text())
    [smoke_step] = [
        s for s in workflow["jobs"]["smoke"]["steps"] if s.get("run") == "scripts/kind/smoke.sh"
    ]
    assert smoke_step["env"]["WOO_SMOKE_REQUIRE_SEED"] == "1"
    smoke = (REPO_ROOT / "scripts" / "kind" / "smoke.sh").read_text()
    assert 'fail "the store was installed without the seed (WOO_SMOKE_REQUIRE_SEED=1)"' in smoke
    # The same message setup.sh (files/seed.sh) logs after an import.
    seed_script = (REPO_ROOT / "helm" / "woocommerce" / "files" / "seed.sh").read_text()
    assert 'log "the seed is imported"' in seed_script
    assert "grep -q '^\\[setup\\] the seed is imported'" in smoke
    cluster_up = (REPO_ROOT / "scripts" / "kind" / "cluster-up.sh").read_text()
    # No --target: the build's last stage, which copies the seed in.
    assert 'docker build --quiet -t "$store_image" helm/woocommerce/prebuilt' in cluster_up
    local = yaml.safe_load((REPO_ROOT / "values-local.yaml").read_text())
    assert local["setup"]["seed"] is True
    assert local["woocommerce"]["source"] == "image"
