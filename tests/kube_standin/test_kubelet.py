"""The fake kubelet: ready, hold, each failure reason, and heal."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from kube_standin.standin import KubeStandin
from tests.kube_standin.builders import claim, deployment, job, statefulset

NS = "shop"
Obj = dict[str, Any]


@pytest.fixture(autouse=True)
def namespace(kube_standin: KubeStandin, core: client.CoreV1Api) -> None:
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))


def status(kube: KubeStandin, kind: str, name: str) -> Obj:
    obj = kube.get(kind, NS, name)
    assert obj is not None, f"{kind}/{name} is missing"
    found: Obj = obj.get("status") or {}
    return found


def condition(obj_status: Obj, kind: str) -> Obj:
    found: Obj = next((c for c in obj_status.get("conditions") or [] if c["type"] == kind), {})
    return found


def wait_condition(kube: KubeStandin, kind: str, name: str, kind_of_condition: str) -> Obj:
    found: Obj = kube.wait_for(lambda: condition(status(kube, kind, name), kind_of_condition))
    return found


def pods(kube: KubeStandin, app: str) -> list[Obj]:
    return [p for p in kube.list("pods", NS) if p["metadata"]["labels"].get("app") == app]


def waiting_reasons(kube: KubeStandin, app: str) -> list[str]:
    return [
        c["state"]["waiting"]["reason"]
        for p in pods(kube, app)
        for c in p["status"].get("containerStatuses") or []
        if "waiting" in c["state"]
    ]


def warnings(kube: KubeStandin) -> list[tuple[str, str, str]]:
    return [
        (e["involvedObject"]["kind"], e["reason"], e["message"])
        for e in kube.list("events", NS)
        if e["type"] == "Warning"
    ]


def test_ready_mode_makes_workloads_ready_with_real_looking_pods(
    kube_standin: KubeStandin,
    apps: client.AppsV1Api,
    batch: client.BatchV1Api,
    core: client.CoreV1Api,
) -> None:
    core.create_namespaced_persistent_volume_claim(NS, claim("content"))
    apps.create_namespaced_deployment(NS, deployment("web", replicas=2, claim="content"))
    apps.create_namespaced_stateful_set(NS, statefulset("db"))
    batch.create_namespaced_job(NS, job("setup"))

    kube = kube_standin
    kube.wait_for(lambda: status(kube, "deployment", "web").get("availableReplicas") == 2)
    kube.wait_for(lambda: status(kube, "statefulset", "db").get("readyReplicas") == 1)
    kube.wait_for(lambda: status(kube, "job", "setup").get("succeeded") == 1)

    web = status(kube, "deployment", "web")
    assert web["observedGeneration"] == 1
    assert (web["replicas"], web["readyReplicas"], web["updatedReplicas"]) == (2, 2, 2)
    assert condition(web, "Available")["status"] == "True"
    assert condition(web, "Progressing")["reason"] == "NewReplicaSetAvailable"
    web_pods = pods(kube, "web")
    assert [p["status"]["phase"] for p in web_pods] == ["Running", "Running"]
    assert all(condition(p["status"], "Ready")["status"] == "True" for p in web_pods)
    assert web_pods[0]["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    assert status(kube, "pvc", "content")["phase"] == "Bound"

    db = status(kube, "statefulset", "db")
    assert (db["currentReplicas"], db["updatedReplicas"], db["observedGeneration"]) == (1, 1, 1)
    assert [p["metadata"]["name"] for p in pods(kube, "db")] == ["db-0"]
    assert status(kube, "pvc", "data-db-0")["phase"] == "Bound"

    setup = status(kube, "job", "setup")
    assert setup["completionTime"]
    assert condition(setup, "SuccessCriteriaMet")["status"] == "True"
    assert condition(setup, "Complete")["status"] == "True"
    assert [p["status"]["phase"] for p in pods(kube, "setup")] == ["Succeeded"]
    assert warnings(kube) == []


def test_hold_mode_keeps_everything_pending_until_released(
    kube_standin: KubeStandin, apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.mode = "hold"
    core.create_namespaced_persistent_volume_claim(NS, claim("content"))
    apps.create_namespaced_deployment(NS, deployment("web", claim="content"))

    kube.wait_for(lambda: waiting_reasons(kube, "web") == ["ContainerCreating"])
    assert "readyReplicas" not in status(kube, "deployment", "web")
    assert wait_condition(kube, "deployment", "web", "Available")["status"] == "False"
    assert status(kube, "pvc", "content")["phase"] == "Pending"

    kube.kubelet.mode = "ready"

    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)
    assert status(kube, "pvc", "content")["phase"] == "Bound"


@pytest.mark.parametrize("reason", ["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff"])
def test_container_failures_show_on_the_pod_until_healed(
    kube_standin: KubeStandin, apps: client.AppsV1Api, reason: str
) -> None:
    kube = kube_standin
    kube.kubelet.fail("Deployment", reason, message="it broke")
    apps.create_namespaced_deployment(NS, deployment("web"))

    kube.wait_for(lambda: waiting_reasons(kube, "web") == [reason])
    failing = pods(kube, "web")[0]
    container = failing["status"]["containerStatuses"][0]
    assert container["state"]["waiting"]["message"] == "it broke"
    assert container["ready"] is False
    assert wait_condition(kube, "deployment", "web", "Available")["status"] == "False"
    assert kube.wait_for(lambda: warnings(kube))[0][0] == "Pod"

    kube.kubelet.heal()

    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)
    assert [p["metadata"]["name"] for p in pods(kube, "web")] != [failing["metadata"]["name"]]


def test_crash_loop_in_a_statefulset(kube_standin: KubeStandin, apps: client.AppsV1Api) -> None:
    kube = kube_standin
    kube.kubelet.fail("StatefulSet", "CrashLoopBackOff")
    apps.create_namespaced_stateful_set(NS, statefulset("db", replicas=2))

    kube.wait_for(lambda: waiting_reasons(kube, "db") == ["CrashLoopBackOff"])
    container = pods(kube, "db")[0]["status"]["containerStatuses"][0]
    assert container["restartCount"] > 0
    assert container["lastState"]["terminated"]["exitCode"] == 1
    assert "readyReplicas" not in status(kube, "statefulset", "db")

    kube.kubelet.heal()

    kube.wait_for(lambda: status(kube, "statefulset", "db").get("readyReplicas") == 2)


def test_unschedulable_pods_get_a_condition_and_a_scheduler_event(
    kube_standin: KubeStandin, apps: client.AppsV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.fail(
        "Deployment", "Unschedulable", message="0/1 nodes are available: 1 Insufficient cpu."
    )
    apps.create_namespaced_deployment(NS, deployment("web"))

    event = kube.wait_for(lambda: warnings(kube))[0]
    scheduled = condition(pods(kube, "web")[0]["status"], "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    assert event == ("Pod", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.")
    assert "nodeName" not in pods(kube, "web")[0]["spec"]


def test_quota_exceeded_blocks_pod_creation(
    kube_standin: KubeStandin, apps: client.AppsV1Api, batch: client.BatchV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.fail("Deployment", "QuotaExceeded")
    kube.kubelet.fail(
        "Job",
        "QuotaExceeded",
        message='pods "setup-x" is forbidden: exceeded '
        "quota: shop-quota, requested: pods=1, used: pods=10, limited: pods=10",
    )
    apps.create_namespaced_deployment(NS, deployment("web"))
    batch.create_namespaced_job(NS, job("setup"))

    failure = wait_condition(kube, "deployment", "web", "ReplicaFailure")
    assert (failure["status"], failure["reason"]) == ("True", "FailedCreate")
    assert failure["message"].startswith('pods "web-')
    assert "is forbidden: exceeded quota: " in failure["message"]
    kube.wait_for(lambda: len(warnings(kube)) == 2)
    assert pods(kube, "web") == pods(kube, "setup") == []
    by_kind = {kind: (reason, message) for kind, reason, message in warnings(kube)}
    assert by_kind["ReplicaSet"][0] == by_kind["Job"][0] == "FailedCreate"
    assert by_kind["Job"][1] == (
        'Error creating: pods "setup-x" is forbidden: exceeded quota: '
        "shop-quota, requested: pods=1, used: pods=10, limited: pods=10"
    )

    kube.kubelet.heal()

    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)
    assert not condition(status(kube, "deployment", "web"), "ReplicaFailure")


def test_backoff_limit_exceeded_fails_the_job_for_good(
    kube_standin: KubeStandin, batch: client.BatchV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.fail("Job", "BackoffLimitExceeded")
    batch.create_namespaced_job(NS, job("setup", backoff_limit=2))

    failed = wait_condition(kube, "job", "setup", "Failed")
    assert (failed["status"], failed["reason"]) == ("True", "BackoffLimitExceeded")
    assert status(kube, "job", "setup")["failed"] == 3
    assert [p["status"]["phase"] for p in pods(kube, "setup")] == ["Failed"] * 3
    terminated = pods(kube, "setup")[0]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 1
    assert ("Job", "BackoffLimitExceeded") in [w[:2] for w in warnings(kube)]

    kube.kubelet.heal()
    batch.create_namespaced_job(NS, job("setup-2"))

    kube.wait_for(lambda: status(kube, "job", "setup-2").get("succeeded") == 1)
    assert condition(status(kube, "job", "setup"), "Failed")["status"] == "True"


def test_pending_claims_keep_a_statefulset_unready(
    kube_standin: KubeStandin, apps: client.AppsV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.fail("StatefulSet", "PVCPending", message="no storage left")
    apps.create_namespaced_stateful_set(NS, statefulset("db"))

    kube.wait_for(
        lambda: ("PersistentVolumeClaim", "ProvisioningFailed", "no storage left") in warnings(kube)
    )
    assert status(kube, "pvc", "data-db-0")["phase"] == "Pending"
    scheduled = kube.wait_for(
        lambda: [c for p in pods(kube, "db") if (c := condition(p["status"], "PodScheduled"))]
    )[0]
    assert scheduled["status"] == "False"
    assert "unbound immediate PersistentVolumeClaims" in scheduled["message"]

    kube.kubelet.heal()

    kube.wait_for(lambda: status(kube, "statefulset", "db").get("readyReplicas") == 1)
    assert status(kube, "pvc", "data-db-0")["phase"] == "Bound"


def test_failures_match_by_kind_and_name(kube_standin: KubeStandin, apps: client.AppsV1Api) -> None:
    kube = kube_standin
    kube.kubelet.fail("Deployment", "ErrImagePull", name_contains="broken")
    kube.kubelet.fail("StatefulSet", "ErrImagePull")
    apps.create_namespaced_deployment(NS, deployment("broken-web"))
    apps.create_namespaced_deployment(NS, deployment("fine-web"))

    kube.wait_for(lambda: status(kube, "deployment", "fine-web").get("readyReplicas") == 1)
    kube.wait_for(lambda: waiting_reasons(kube, "broken-web") == ["ErrImagePull"])


def test_a_failure_by_image_follows_the_pod_template(
    kube_standin: KubeStandin, apps: client.AppsV1Api
) -> None:
    """A version that never becomes ready: pods of that image crash, the workload is unready;
    the same workload rolled back to its previous image is ready again, and other workloads
    are untouched."""
    kube = kube_standin
    kube.kubelet.fail("Deployment", "CrashLoopBackOff", image_contains=":2.0")
    apps.create_namespaced_deployment(NS, deployment("web"))
    apps.create_namespaced_deployment(NS, deployment("other"))
    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)

    def use(image: str) -> None:
        template = {"spec": {"containers": [{"name": "web", "image": image}]}}
        apps.patch_namespaced_deployment("web", NS, {"spec": {"template": template}})

    use("example/web:2.0")
    kube.wait_for(lambda: waiting_reasons(kube, "web") == ["CrashLoopBackOff"])
    # The Deployment's status follows its pods' in a later pass of the controller, as on a
    # cluster: wait for it rather than read it at once.
    kube.wait_for(lambda: "readyReplicas" not in status(kube, "deployment", "web"))
    web = status(kube, "deployment", "web")
    assert condition(web, "Available")["status"] == "False"
    assert status(kube, "deployment", "other").get("readyReplicas") == 1

    use("example/web:1.0")
    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)
    assert [p["spec"]["containers"][0]["image"] for p in pods(kube, "web")] == ["example/web:1.0"]


def test_ready_after_delays_readiness(kube_standin: KubeStandin, apps: client.AppsV1Api) -> None:
    kube = kube_standin
    kube.kubelet.ready_after = 0.2
    apps.create_namespaced_deployment(NS, deployment("web"))

    kube.wait_for(lambda: waiting_reasons(kube, "web") == ["ContainerCreating"])
    assert "readyReplicas" not in status(kube, "deployment", "web")
    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)


def test_a_new_pod_template_rolls_a_new_replica_set(
    kube_standin: KubeStandin, apps: client.AppsV1Api
) -> None:
    kube = kube_standin
    apps.create_namespaced_deployment(NS, deployment("web"))
    first = kube.wait_for(lambda: pods(kube, "web"))[0]["metadata"]["name"]

    apps.patch_namespaced_deployment(
        "web",
        NS,
        {
            "spec": {
                "template": {"spec": {"containers": [{"name": "web", "image": "example/web:2.0"}]}}
            }
        },
    )

    kube.wait_for(lambda: status(kube, "deployment", "web").get("observedGeneration") == 2)
    kube.wait_for(
        lambda: (
            [p["spec"]["containers"][0]["image"] for p in pods(kube, "web")] == ["example/web:2.0"]
        )
    )
    assert pods(kube, "web")[0]["metadata"]["name"] != first
    assert sorted(rs["spec"]["replicas"] for rs in kube.list("replicasets", NS)) == [0, 1]


def test_bare_pods_run_or_complete_by_restart_policy(
    kube_standin: KubeStandin, core: client.CoreV1Api
) -> None:
    kube = kube_standin
    for name, policy in (("server", "Always"), ("check", "Never")):
        core.create_namespaced_pod(
            NS,
            client.V1Pod(
                metadata=client.V1ObjectMeta(name=name, labels={"app": name}),
                spec=client.V1PodSpec(
                    restart_policy=policy,
                    containers=[client.V1Container(name=name, image="busybox:1.36")],
                ),
            ),
        )

    kube.wait_for(
        lambda: [p["status"]["phase"] for p in kube.list("pods", NS)] == ["Succeeded", "Running"]
    )


def test_fail_refuses_what_it_cannot_simulate(kube_standin: KubeStandin) -> None:
    with pytest.raises(ValueError, match="kind"):
        kube_standin.kubelet.fail("DaemonSet", "CrashLoopBackOff")
    with pytest.raises(ValueError, match="reason"):
        kube_standin.kubelet.fail("Deployment", "OOMKilled")
    with pytest.raises(ValueError, match="Jobs"):
        kube_standin.kubelet.fail("Deployment", "BackoffLimitExceeded")


def test_pod_logs_exist_once_a_container_has_started(
    kube_standin: KubeStandin, apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.fail("Deployment", "CrashLoopBackOff", name_contains="crash")
    kube.kubelet.fail("Deployment", "ImagePullBackOff", name_contains="pull")
    for name in ("web", "crash", "pull"):
        apps.create_namespaced_deployment(NS, deployment(name))
    kube.wait_for(
        lambda: (
            waiting_reasons(kube, "crash") == ["CrashLoopBackOff"]
            and waiting_reasons(kube, "pull") == ["ImagePullBackOff"]
        )
    )
    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)

    def log(app: str) -> str:
        return core.read_namespaced_pod_log(pods(kube, app)[0]["metadata"]["name"], NS)

    assert "started" in log("web")
    assert "exited with code 1" in log("crash")
    crashed = pods(kube, "crash")[0]["metadata"]["name"]
    previous = core.read_namespaced_pod_log(crashed, NS, previous=True)
    assert previous == "crash: the previous instance exited with code 1 (Error)\n"
    with pytest.raises(client.ApiException) as never_restarted:
        core.read_namespaced_pod_log(pods(kube, "web")[0]["metadata"]["name"], NS, previous=True)
    assert never_restarted.value.status == 400
    assert "previous terminated container" in (never_restarted.value.body or "")
    with pytest.raises(client.ApiException) as waiting:
        log("pull")
    assert waiting.value.status == 400
    assert "is waiting to start: ImagePullBackOff" in (waiting.value.body or "")


def test_job_pods_end_with_the_exit_code_and_termination_message_asked_for(
    kube_standin: KubeStandin, batch: client.BatchV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.finish_jobs(0, 'result {"status":"succeeded"}', name_contains="ok")
    batch.create_namespaced_job(NS, job("ok"))

    wait_condition(kube, "job", "ok", "Complete")
    (pod,) = pods(kube, "ok")
    assert pod["metadata"]["labels"]["job-name"] == "ok"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "ok"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 0
    assert terminated["message"] == 'result {"status":"succeeded"}'
    assert pod["status"]["phase"] == "Succeeded"


def test_a_fail_job_rule_fails_the_job_at_the_first_matching_exit(
    kube_standin: KubeStandin, batch: client.BatchV1Api
) -> None:
    kube = kube_standin
    kube.kubelet.finish_jobs(3, "cannot help", name_contains="fatal")
    kube.kubelet.finish_jobs(1, "try again", name_contains="flaky")
    policy = client.V1PodFailurePolicy(
        rules=[
            client.V1PodFailurePolicyRule(
                action="FailJob",
                on_exit_codes=client.V1PodFailurePolicyOnExitCodesRequirement(
                    operator="In", values=[3]
                ),
            )
        ]
    )
    for name in ("fatal", "flaky"):
        body = job(name, backoff_limit=2)
        assert body.spec is not None
        body.spec.pod_failure_policy = policy
        batch.create_namespaced_job(NS, body)

    fatal = wait_condition(kube, "job", "fatal", "Failed")
    assert fatal["reason"] == "PodFailurePolicy"
    assert "exit code 3 matching FailJob rule at index 0" in fatal["message"]
    (pod,) = pods(kube, "fatal")
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["message"]) == (3, "cannot help")

    flaky = wait_condition(kube, "job", "flaky", "Failed")
    assert flaky["reason"] == "BackoffLimitExceeded"
    assert [p["status"]["phase"] for p in pods(kube, "flaky")] == ["Failed"] * 3


def test_finish_jobs_refuses_an_exit_code_no_process_can_have(kube_standin: KubeStandin) -> None:
    with pytest.raises(ValueError, match="exit_code"):
        kube_standin.kubelet.finish_jobs(300)


def test_pod_logs_serve_what_was_written_bounded_like_the_apiserver(
    kube_standin: KubeStandin, apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    kube = kube_standin
    apps.create_namespaced_deployment(NS, deployment("web"))
    kube.wait_for(lambda: status(kube, "deployment", "web").get("readyReplicas") == 1)
    pod = pods(kube, "web")[0]["metadata"]["name"]
    container = pods(kube, "web")[0]["spec"]["containers"][0]["name"]
    kube.write_log(NS, pod, container, "\n".join(f"line {n}" for n in range(1, 101)))

    whole = core.read_namespaced_pod_log(pod, NS)
    assert whole.splitlines()[0].endswith("started by the kube stand-in (no process runs here)")
    assert whole.splitlines()[-1] == "line 100"
    assert core.read_namespaced_pod_log(pod, NS, tail_lines=3) == "line 98\nline 99\nline 100\n"
    assert core.read_namespaced_pod_log(pod, NS, tail_lines=3, limit_bytes=10) == "line 98\nli"
    assert core.read_namespaced_pod_log(pod, NS, tail_lines=0) == ""
    with pytest.raises(client.ApiException) as refused:
        core.read_namespaced_pod_log(pod, NS, tail_lines=-1)
    assert refused.value.status == 400
    with pytest.raises(client.ApiException) as refused:
        core.read_namespaced_pod_log(pod, NS, limit_bytes=0)
    assert refused.value.status == 400
