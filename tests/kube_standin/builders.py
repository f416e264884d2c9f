"""Workload manifests for the stand-in's own tests, as Python-client models."""

from __future__ import annotations

from kubernetes import client

Meta = client.V1ObjectMeta


def pod_template(
    name: str, *, restart_policy: str = "Always", claim: str | None = None
) -> client.V1PodTemplateSpec:
    volumes = (
        [
            client.V1Volume(
                name="data",
                persistent_volume_claim=(
                    client.V1PersistentVolumeClaimVolumeSource(claim_name=claim)
                ),
            )
        ]
        if claim
        else None
    )
    return client.V1PodTemplateSpec(
        metadata=Meta(labels={"app": name}),
        spec=client.V1PodSpec(
            restart_policy=restart_policy,
            volumes=volumes,
            containers=[client.V1Container(name=name, image=f"example/{name}:1.0")],
        ),
    )


def deployment(name: str, replicas: int = 1, claim: str | None = None) -> client.V1Deployment:
    return client.V1Deployment(
        metadata=Meta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels={"app": name}),
            template=pod_template(name, claim=claim),
        ),
    )


def statefulset(name: str, replicas: int = 1) -> client.V1StatefulSet:
    claim = client.V1PersistentVolumeClaim(
        metadata=Meta(name="data"),
        spec=client.V1PersistentVolumeClaimSpec(
            access_modes=["ReadWriteOnce"],
            resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}),
        ),
    )
    return client.V1StatefulSet(
        metadata=Meta(name=name),
        spec=client.V1StatefulSetSpec(
            replicas=replicas,
            service_name=name,
            selector=client.V1LabelSelector(match_labels={"app": name}),
            template=pod_template(name),
            volume_claim_templates=[claim],
        ),
    )


def job(name: str, backoff_limit: int = 6) -> client.V1Job:
    return client.V1Job(
        metadata=Meta(name=name),
        spec=client.V1JobSpec(
            backoff_limit=backoff_limit, template=pod_template(name, restart_policy="Never")
        ),
    )


def claim(name: str) -> client.V1PersistentVolumeClaim:
    return client.V1PersistentVolumeClaim(
        metadata=Meta(name=name),
        spec=client.V1PersistentVolumeClaimSpec(
            access_modes=["ReadWriteOnce"],
            resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}),
        ),
    )
