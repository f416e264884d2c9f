"""Every pod the chart can create (Deployments, StatefulSets, Jobs, CronJobs, the helm test pod) in
every values file meets Pod Security `restricted`, checked field by field as the admission
controller does (https://kubernetes.io/docs/concepts/security/pod-security-standards/, policy
version "latest"). Store namespaces enforce `restricted`, so a field this misses would keep a
store from ever starting."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.chart.conftest import ALL_RENDERINGS, Manifest

# Baseline: the sysctls allowed in pods (the "safe" set), the SELinux types allowed.
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {
    None,
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
}
APPARMOR_TYPES = {None, "RuntimeDefault", "Localhost"}
# Restricted: the only volume types, the only capability that may be added.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
ADDABLE_CAPABILITIES = {"NET_BIND_SERVICE"}


def violations(spec: dict[str, Any], annotations: dict[str, str]) -> list[str]:
    """What the restricted profile refuses in one pod spec, one line per field."""
    found = []
    pod = spec.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            found.append(f"spec.{field}")
    for volume in spec.get("volumes", []):
        kind = next(key for key in volume if key != "name")
        if kind not in RESTRICTED_VOLUME_TYPES:
            found.append(f"volume {volume['name']}: {kind}")
    for sysctl in pod.get("sysctls", []):
        if sysctl["name"] not in SAFE_SYSCTLS:
            found.append(f"sysctl {sysctl['name']}")
    if pod.get("windowsOptions", {}).get("hostProcess"):
        found.append("securityContext.windowsOptions.hostProcess")
    found += selinux_violations("securityContext", pod)
    if pod.get("appArmorProfile", {}).get("type") not in APPARMOR_TYPES:
        found.append("securityContext.appArmorProfile")
    if any(
        key.startswith("container.apparmor.security.beta.kubernetes.io/")
        and value not in ("runtime/default",)
        and not value.startswith("localhost/")
        for key, value in annotations.items()
    ):
        found.append("AppArmor annotation")

    containers = [
        *spec.get("initContainers", []),
        *spec["containers"],
        *spec.get("ephemeralContainers", []),
    ]
    for container in containers:
        name = container["name"]
        context = container.get("securityContext", {})
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation must be false")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{name}: capabilities must drop ALL")
        if set(capabilities.get("add", [])) - ADDABLE_CAPABILITIES:
            found.append(f"{name}: capabilities.add")
        if context.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
            found.append(f"{name}: runAsNonRoot must be true")
        if context.get("runAsUser", pod.get("runAsUser")) == 0:
            found.append(f"{name}: runAsUser 0")
        seccomp = context.get("seccompProfile", pod.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{name}: procMount")
        if context.get("appArmorProfile", {}).get("type") not in (
            None,
            "RuntimeDefault",
            "Localhost",
        ):
            found.append(f"{name}: appArmorProfile")
        if context.get("windowsOptions", {}).get("hostProcess"):
            found.append(f"{name}: windowsOptions.hostProcess")
        found += selinux_violations(name, context)
        for port in container.get("ports", []):
            if port.get("hostPort", 0) != 0:
                found.append(f"{name}: hostPort {port['hostPort']}")
    return found


def selinux_violations(where: str, context: dict[str, Any]) -> list[str]:
    options = context.get("seLinuxOptions", {})
    found = []
    if options.get("type") not in SELINUX_TYPES:
        found.append(f"{where}: seLinuxOptions.type")
    if options.get("user") or options.get("role"):
        found.append(f"{where}: seLinuxOptions.user/role")
    return found


def pods_with_annotations(manifest: Manifest) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    found = []
    for obj in manifest.objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            template = obj["spec"]["template"]
        elif obj["kind"] == "CronJob":
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
        elif obj["kind"] == "Pod":
            template = obj
        else:
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        found.append((where, template["spec"], template["metadata"].get("annotations", {})))
    return found


@pytest.mark.parametrize("environment", ["default", *ALL_RENDERINGS])
def test_every_pod_meets_pod_security_restricted(
    rendered: Callable[[str], Manifest], environment: str
) -> None:
    pods = pods_with_annotations(rendered(environment))
    kinds = {where.split("/")[0] for where, _, _ in pods}
    # A paused storefront runs no setup Job (and the maintenance page is a Deployment).
    jobs = set() if environment.endswith("-paused") else {"Job"}
    assert kinds == {"Deployment", "StatefulSet", "CronJob", "Pod", *jobs}
    if environment.endswith("-paused"):
        assert "Deployment/store-maintenance" in [where for where, _, _ in pods]
    # The environments render with backups on (as the orchestrator installs them when the
    # platform has a backup target): the backup Jobs and the restore template are checked too.
    if environment != "default":
        assert {"CronJob/store-backup", "CronJob/store-restore"} <= {where for where, _, _ in pods}
    for where, spec, pod_annotations in pods:
        assert violations(spec, pod_annotations) == [], where


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(hostNetwork=True), "spec.hostNetwork"),
        (
            lambda s: s["volumes"].append({"name": "host", "hostPath": {"path": "/"}}),
            "volume host: hostPath",
        ),
        (
            lambda s: s["securityContext"]["sysctls"].append(
                {"name": "net.core.somaxconn", "value": "1"}
            ),
            "sysctl net.core.somaxconn",
        ),
        (lambda s: s["securityContext"].pop("runAsNonRoot"), "runAsNonRoot must be true"),
        (lambda s: s["securityContext"].pop("seccompProfile"), "seccompProfile"),
        (
            lambda s: s["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True),
            "allowPrivilegeEscalation must be false",
        ),
        (
            lambda s: s["containers"][0]["securityContext"]["capabilities"].update(
                add=["SYS_ADMIN"]
            ),
            "capabilities.add",
        ),
        (
            lambda s: s["containers"][0]["ports"][0].update(hostPort=8080),
            "hostPort 8080",
        ),
    ],
)
def test_the_check_finds_what_restricted_refuses(
    rendered: Callable[[str], Manifest], change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    """The checker is not vacuous: each of these changes to the WordPress pod is reported."""
    deployment = rendered("local").one("Deployment", "store-wordpress")
    spec = copy.deepcopy(deployment["spec"]["template"]["spec"])
    change(spec)
    assert any(expected in line for line in violations(spec, {})), violations(spec, {})
