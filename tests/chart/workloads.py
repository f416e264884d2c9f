"""What the store's pods ask for, as the scheduler and the ResourceQuota count it: shared by the
policy and sizing tests."""

from __future__ import annotations

from typing import Any

from tests.chart.conftest import Manifest
from tests.chart.quantities import amount

RESOURCES = ("cpu", "memory")
# The pod cert-manager creates in the store namespace to answer an ACME HTTP-01 challenge when
# the Ingress asks a ClusterIssuer for its certificate: its labels, its port, and the resources
# the cert-manager controller gives it by default (--acme-http01-solver-resource-* flags).
ACME_SOLVER_LABELS = {
    "acme.cert-manager.io/http01-solver": "true",
    "acme.cert-manager.io/http-domain": "1234567890",
    "acme.cert-manager.io/http-token": "987654321",
}
ACME_SOLVER_PORT = 8089
ACME_SOLVER_SPEC: dict[str, Any] = {
    "containers": [
        {
            "name": "acmesolver",
            "resources": {
                "requests": {"cpu": "10m", "memory": "64Mi"},
                "limits": {"cpu": "100m", "memory": "64Mi"},
            },
        }
    ]
}


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def component_of(labels: dict[str, str]) -> str:
    return labels["app.kubernetes.io/component"]


def effective_pod_resources(spec: dict[str, Any], kind: str) -> dict[str, int]:
    """What the scheduler and ResourceQuota charge a pod: the larger of its containers' sum and
    its biggest init container."""
    totals = {}
    for resource in RESOURCES:
        running = sum(amount(resource, c["resources"][kind][resource]) for c in spec["containers"])
        init = max(
            (
                amount(resource, c["resources"][kind][resource])
                for c in spec.get("initContainers", [])
            ),
            default=0,
        )
        totals[resource] = max(running, init)
    return totals


def issues_certificates_through_acme(manifest: Manifest) -> bool:
    """An Ingress annotated for cert-manager: the solver pod then runs in the store namespace.
    (With a Gateway, cert-manager solves beside the Gateway, outside the store.)"""
    return any(
        "cert-manager.io/cluster-issuer" in ingress["metadata"].get("annotations", {})
        for ingress in manifest.of_kind("Ingress")
    )


def acme_solver_pods(manifest: Manifest) -> list[tuple[str, dict[str, Any]]]:
    """cert-manager's HTTP-01 solver pod, which lives in the store namespace while a certificate
    is issued or renewed (so it is charged to the store's quota and LimitRange too)."""
    if not issues_certificates_through_acme(manifest):
        return []
    return [("Pod/cm-acme-http-solver", ACME_SOLVER_SPEC)]


def worst_case_pods(manifest: Manifest) -> list[tuple[str, dict[str, Any]]]:
    """Every pod that can exist at once: WordPress replicas plus a rolling-update surge pod,
    MariaDB, two setup pods (the previous revision's still terminating while the new one starts),
    one cron pod (concurrencyPolicy Forbid), the helm test pod, with backups on one backup pod
    (scheduled or manual) and one restore pod (the orchestrator creates it from the suspended
    restore CronJob) and, with a cert-manager ClusterIssuer on the Ingress, the ACME HTTP-01
    solver pod."""
    pods = []
    for where, labels, spec in manifest.pod_specs():
        component = component_of(labels)
        if component == "wordpress":
            deployment = manifest.one("Deployment", where.split("/", 1)[1])
            pods += [(where, spec)] * (deployment["spec"]["replicas"] + 1)
        elif component == "mariadb":
            pods += [(where, spec)] * manifest.one("StatefulSet", where.split("/", 1)[1])["spec"][
                "replicas"
            ]
        elif component == "setup":
            pods += [(where, spec)] * 2
        else:
            pods += [(where, spec)]
    return pods + acme_solver_pods(manifest)
