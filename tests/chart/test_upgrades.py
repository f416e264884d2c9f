"""What an upgrade of a live store may and may not change: a chart bump leaves pod templates
alone, and a change the API server would refuse half-way (a StatefulSet's volumeClaimTemplates)
is refused before anything is sent. The second part runs the real helm against the Kubernetes
API stand-in, because only a live StatefulSet makes the chart's lookup see something."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kube_standin.standin import KubeStandin
from tests.chart.conftest import CHART, NAMESPACE, RELEASE, Manifest, values_args

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob")


def pod_templates(manifest_text: str) -> dict[str, dict[str, Any]]:
    templates = {}
    for obj in (doc for doc in yaml.safe_load_all(manifest_text) if doc):
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            templates[f"{obj['kind']}/{obj['metadata']['name']}"] = obj["spec"]["template"]
        elif obj["kind"] == "CronJob":
            templates[f"CronJob/{obj['metadata']['name']}"] = obj["spec"]["jobTemplate"]["spec"][
                "template"
            ]
    return templates


def bumped_chart(tmp_path: Path) -> Path:
    """A copy of the chart with a new chart version and app version, nothing else changed."""
    copy = tmp_path / "woocommerce"
    shutil.copytree(CHART, copy)
    chart_yaml = copy / "Chart.yaml"
    metadata = yaml.safe_load(chart_yaml.read_text())
    metadata["version"] = "9.9.9"
    metadata["appVersion"] = "99.0.0"
    chart_yaml.write_text(yaml.safe_dump(metadata))
    return copy


@pytest.mark.parametrize("environment", ["local", "prod"])
def test_a_chart_bump_changes_no_pod_template(
    helm_bin: Path, tmp_path: Path, environment: str
) -> None:
    """Pod template labels carry no chart or app version: bumping them must not restart MariaDB
    or WordPress. (The setup Job is new per revision anyway.)"""

    def templates(chart: Path) -> dict[str, dict[str, Any]]:
        result = subprocess.run(
            [
                str(helm_bin),
                "template",
                RELEASE,
                str(chart),
                "-n",
                NAMESPACE,
                *values_args(environment),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return pod_templates(result.stdout)

    before, after = templates(CHART), templates(bumped_chart(tmp_path))
    assert set(before) == set(after)
    assert before, "no workload rendered"
    for name, template in before.items():
        assert template == after[name], name
        for key in template["metadata"]["labels"]:
            assert key not in ("helm.sh/chart", "app.kubernetes.io/version"), (name, key)


def test_workload_objects_still_carry_the_version(rendered: Any) -> None:
    """The version stays on the objects themselves, where changing it restarts nothing."""
    manifest: Manifest = rendered("local")
    for kind in ("Deployment", "StatefulSet"):
        for obj in manifest.of_kind(kind):
            assert obj["metadata"]["labels"]["app.kubernetes.io/version"]


def helm_against(
    helm_bin: Path, standin: KubeStandin, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(helm_bin),
            *args,
            "--kubeconfig",
            str(standin.kubeconfig),
            "--namespace",
            NAMESPACE,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def install(
    helm_bin: Path, standin: KubeStandin, *settings: str
) -> subprocess.CompletedProcess[str]:
    flags = [arg for setting in settings for arg in ("--set", setting)]
    return helm_against(
        helm_bin,
        standin,
        "upgrade",
        "--install",
        RELEASE,
        str(CHART),
        "--create-namespace",
        *values_args("local"),
        *flags,
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "mariadb.persistence.size=3Gi",
            "mariadb.persistence.size is 3Gi, but the database volume was created with 2Gi",
        ),
        (
            "mariadb.persistence.storageClass=fast",
            'mariadb.persistence.storageClass is "fast", but the database volume was created '
            'with ""',
        ),
    ],
    ids=["size", "storage-class"],
)
def test_an_upgrade_that_changes_the_database_volume_is_refused_before_anything_changes(
    helm_bin: Path, kube_standin: KubeStandin, setting: str, message: str
) -> None:
    first = install(helm_bin, kube_standin)
    assert first.returncode == 0, first.stderr
    before = kube_standin.get("statefulsets", NAMESPACE, "store-mariadb")

    refused = install(helm_bin, kube_standin, setting)
    assert refused.returncode != 0
    assert message in refused.stderr
    assert "delete statefulset store-mariadb --cascade=orphan" in refused.stderr
    after = kube_standin.get("statefulsets", NAMESPACE, "store-mariadb")
    assert before is not None and after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]

    unchanged = install(helm_bin, kube_standin, "store.currency=EUR")
    assert unchanged.returncode == 0, unchanged.stderr


def test_an_upgrade_that_changes_the_content_volume_is_refused(
    helm_bin: Path, kube_standin: KubeStandin
) -> None:
    """The claim's access mode and an explicit storage class other than the one the cluster gave
    it are refused; an empty storage class (the default, which the cluster filled in) is not."""
    first = install(helm_bin, kube_standin)
    assert first.returncode == 0, first.stderr
    claim = kube_standin.get("persistentvolumeclaims", NAMESPACE, "store-wordpress-content")
    assert claim is not None
    given = claim["spec"]["storageClassName"]

    other_class = install(helm_bin, kube_standin, "wordpress.persistence.storageClass=fast")
    assert other_class.returncode != 0
    assert (
        f'wordpress.persistence.storageClass is "fast", but the wp-content volume was created '
        f'with "{given}"'
    ) in other_class.stderr
    other_mode = install(
        helm_bin,
        kube_standin,
        "wordpress.persistence.accessMode=ReadWriteMany",
        "wordpress.persistence.storageClass=" + given,
    )
    assert other_mode.returncode != 0
    assert (
        "wordpress.persistence.accessMode is ReadWriteMany, but the wp-content volume was "
        "created with ReadWriteOnce"
    ) in other_mode.stderr
    same_class = install(helm_bin, kube_standin, "wordpress.persistence.storageClass=" + given)
    assert same_class.returncode == 0, same_class.stderr
