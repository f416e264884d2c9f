"""Fixtures for the store chart tests: helm runs, one render per values set, manifest helpers."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.config import REPO_ROOT

CHART = REPO_ROOT / "helm" / "woocommerce"
HERE = Path(__file__).resolve().parent
# The per-store values the orchestrator passes (contract), used with every environment file.
STORE_VALUES = HERE / "store-values.yaml"
INGRESS_VALUES = HERE / "ingress-values.yaml"
# What the orchestrator adds when the platform has a backup target: every environment rendering
# carries it, the chart's defaults ("default") do not, so both sides of backup.enabled render.
BACKUP_VALUES = HERE / "backup-values.yaml"


def ingress_variant(environment_file: Path) -> Path:
    """The environment's file edited for an ingress controller instead of a Gateway."""
    values = yaml.safe_load(environment_file.read_text())
    overlay = yaml.safe_load(INGRESS_VALUES.read_text())
    values["ingress"].update(overlay["ingress"])
    values["networkPolicy"]["dataPlane"] = overlay["networkPolicy"]["dataPlane"]
    variant = (
        Path(tempfile.gettempdir())
        / f"woo-chart-{os.getpid()}-{environment_file.stem}-ingress.yaml"
    )
    variant.write_text(yaml.safe_dump(values))
    return variant


# Each environment's own exposure (Gateway API) and its Ingress alternative.
ENVIRONMENT_FILES: dict[str, list[Path]] = {
    "default": [],
    "local": [REPO_ROOT / "values-local.yaml"],
    "prod": [REPO_ROOT / "values-prod.yaml"],
    "local-ingress": [ingress_variant(REPO_ROOT / "values-local.yaml")],
    "prod-ingress": [ingress_variant(REPO_ROOT / "values-prod.yaml")],
}
# A suspended store (storefront.paused and database.paused): the maintenance page renderings.
PAUSED_VALUES = HERE / "paused-values.yaml"
for _name in ("local", "prod", "local-ingress", "prod-ingress"):
    ENVIRONMENT_FILES[f"{_name}-paused"] = [*ENVIRONMENT_FILES[_name], PAUSED_VALUES]
PAUSED_RENDERINGS = ["local-paused", "prod-paused", "local-ingress-paused", "prod-ingress-paused"]
RENDERINGS = ["local", "prod", "local-ingress", "prod-ingress"]
# Checks that hold for every rendering, a suspended store's too.
ALL_RENDERINGS = [*RENDERINGS, *PAUSED_RENDERINGS]
RELEASE = "store"
NAMESPACE = "demo-0a1b2c3d"
KUBERNETES_VERSIONS = ["1.30.0", "1.33.0", "1.37.0"]
VALIDATOR = Path(sys.executable).with_name("kubernetes-validate")


def run_helm(helm_bin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm_bin), *args], capture_output=True, text=True, timeout=60, check=False
    )


def values_args(environment: str, *extra_files: Path, store: bool = True) -> list[str]:
    backups = environment in RENDERINGS or environment in PAUSED_RENDERINGS
    per_store = [STORE_VALUES] + ([BACKUP_VALUES] if backups else [])
    files = [*ENVIRONMENT_FILES[environment], *(per_store if store else []), *extra_files]
    return [arg for path in files for arg in ("-f", str(path))]


@dataclass(frozen=True)
class Manifest:
    """The objects of one `helm template` run."""

    objects: list[dict[str, Any]]
    text: str

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [obj for obj in self.of_kind(kind) if obj["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def pod_specs(self) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(kind/name, pod labels, pod spec) for every workload (Deployments, StatefulSets, Jobs,
        CronJobs), the helm test pod included."""
        pods = []
        for obj in self.objects:
            if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
                template = obj["spec"]["template"]
                pods.append(
                    (
                        f"{obj['kind']}/{obj['metadata']['name']}",
                        template["metadata"]["labels"],
                        template["spec"],
                    )
                )
            elif obj["kind"] == "CronJob":
                template = obj["spec"]["jobTemplate"]["spec"]["template"]
                pods.append(
                    (
                        f"CronJob/{obj['metadata']['name']}",
                        template["metadata"]["labels"],
                        template["spec"],
                    )
                )
            elif obj["kind"] == "Pod":
                pods.append(
                    (f"Pod/{obj['metadata']['name']}", obj["metadata"]["labels"], obj["spec"])
                )
        return pods


def assert_valid_for_kubernetes(
    manifest: Manifest,
    version: str,
    workdir: Path,
    validated_elsewhere: frozenset[str] = frozenset(),
) -> None:
    """`kubernetes-validate --strict` accepts every object, with no error and no warning (an
    unknown kind is only a warning, so warnings count as failures). Kinds of CRDs that it does
    not know are named in `validated_elsewhere`, and their tests check them against the CRD's own
    schema."""
    objects = [obj for obj in manifest.objects if obj["kind"] not in validated_elsewhere]
    manifest_file = workdir / f"manifest-{version}.yaml"
    manifest_file.write_text(yaml.safe_dump_all(objects))
    result = subprocess.run(
        [str(VALIDATOR), "--strict", "-k", version, str(manifest_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    problems = [line for line in output.splitlines() if not line.startswith("INFO")]
    assert problems == [], "\n".join(problems)
    validated = sum(1 for line in output.splitlines() if line.startswith("INFO"))
    assert validated == len(objects)


def render(helm_bin: Path, environment: str, *extra: str, store: bool = True) -> Manifest:
    result = run_helm(
        helm_bin,
        "template",
        RELEASE,
        str(CHART),
        "--namespace",
        NAMESPACE,
        *values_args(environment, store=store),
        *extra,
    )
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return Manifest(objects=objects, text=result.stdout)


@pytest.fixture(scope="session")
def rendered(helm_bin: Path) -> Iterator[Callable[[str], Manifest]]:
    """Renders each environment once per test session."""
    cache: dict[str, Manifest] = {}

    def get(environment: str) -> Manifest:
        if environment not in cache:
            cache[environment] = render(helm_bin, environment)
        return cache[environment]

    yield get
