"""Plans: the sizes a store can have (small, medium, large). A plan sets the store chart's existing
sizing values: container requests and limits, PHP workers, volume sizes and the namespace quota.

Built-in plans can be overridden, and plans added, by a YAML file (WOO_PLANS_FILE):

    medium:
      wordpress: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: "2", memory: 2Gi}}
      ...

Every plan is checked when the service starts, so a plan that would be OOM-killed under load or
refused by its own quota never reaches a store:
- PHP's workers, each up to php_memory_limit, plus Apache and opcache fit WordPress's memory
  limit (the rule tests/chart/test_sizing.py applies to the values files);
- requests never exceed limits;
- the quota admits the worst case of pods that exist at once (WORST_CASE below);
- both volumes fit the quota's storage.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PLAN_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
MiB = 2**20
# Memory a WordPress container uses besides its PHP workers: the Apache parent process and
# PHP's opcache (the same allowance as tests/chart/test_sizing.py).
APACHE_AND_OPCACHE = 160 * MiB
# Pods that exist at once besides MariaDB, at their largest (values-prod.yaml): WordPress
# replicas plus a rolling update's surge pod, and two setup Job pods across a revision change,
# one cron run, one backup and one restore pod, the helm test pod and cert-manager's HTTP-01
# solver (tests/chart/test_plans.py renders every plan and checks the sum on the objects).
WORDPRESS_PODS_AT_ONCE = 3
OTHER_PODS_CPU = {"requests": Decimal("0.86"), "limits": Decimal("4.85")}
OTHER_PODS_MEMORY = {"requests": 1312 * MiB, "limits": 4288 * MiB}


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu: str
    memory: str

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        cpu(value)
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        memory(value)
        return value


class ContainerSize(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: Resources
    limits: Resources


class Quota(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: Resources
    limits: Resources
    storage: str

    @field_validator("storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        memory(value)
        return value


class Plan(BaseModel):
    """One size of store. ``name`` is its key in the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    wordpress: ContainerSize
    mariadb: ContainerSize
    php_workers: int = Field(ge=1, le=200)
    php_memory_limit: str = Field(pattern=r"^[0-9]+[KMG]?$")
    wordpress_storage: str
    database_storage: str
    quota: Quota

    @field_validator("wordpress_storage", "database_storage")
    @classmethod
    def _size(cls, value: str) -> str:
        memory(value)
        return value

    def problems(self) -> list[str]:
        """What makes this plan unusable; empty when it is sound."""
        found = []
        needed = self.php_workers * php_bytes(self.php_memory_limit) + APACHE_AND_OPCACHE
        limit = memory(self.wordpress.limits.memory)
        if needed > limit:
            found.append(
                f"{self.php_workers} PHP workers x {self.php_memory_limit} + 160Mi "
                f"= {needed // MiB}Mi do not fit WordPress's memory limit "
                f"{self.wordpress.limits.memory}"
            )
        for name, size in (("wordpress", self.wordpress), ("mariadb", self.mariadb)):
            if cpu(size.requests.cpu) > cpu(size.limits.cpu):
                found.append(f"{name} requests more CPU than its limit")
            if memory(size.requests.memory) > memory(size.limits.memory):
                found.append(f"{name} requests more memory than its limit")
        for kind in ("requests", "limits"):
            wp: Resources = getattr(self.wordpress, kind)
            db: Resources = getattr(self.mariadb, kind)
            quota: Resources = getattr(self.quota, kind)
            cpus = WORDPRESS_PODS_AT_ONCE * cpu(wp.cpu) + cpu(db.cpu) + OTHER_PODS_CPU[kind]
            if cpus > cpu(quota.cpu):
                found.append(
                    f"quota {kind}.cpu {quota.cpu} is below the {cpus} CPU its pods "
                    f"{kind[:-1]} at once"
                )
            mem = (
                WORDPRESS_PODS_AT_ONCE * memory(wp.memory)
                + memory(db.memory)
                + OTHER_PODS_MEMORY[kind]
            )
            if mem > memory(quota.memory):
                found.append(
                    f"quota {kind}.memory {quota.memory} is below the {mem // MiB}Mi its pods "
                    f"{kind[:-1]} at once"
                )
        volumes = memory(self.wordpress_storage) + memory(self.database_storage)
        if volumes > memory(self.quota.storage):
            found.append(
                f"volumes {self.wordpress_storage} + {self.database_storage} exceed the quota's "
                f"storage {self.quota.storage}"
            )
        return found

    def shrinks(self, other: Plan) -> list[str]:
        """The volumes that would be smaller under ``other`` (volumes never shrink)."""
        return [
            f"{what} {mine} -> {theirs}"
            for what, mine, theirs in (
                ("wp-content volume", self.wordpress_storage, other.wordpress_storage),
                ("database volume", self.database_storage, other.database_storage),
            )
            if memory(theirs) < memory(mine)
        ]

    def chart_values(self) -> dict[str, Any]:
        """The store chart's values for this size (mariadb.persistence.size is left out: the
        StatefulSet's claim template cannot change, the claim itself is expanded instead)."""
        wp, db = self.wordpress, self.mariadb
        largest_cpu = max((wp.limits.cpu, db.limits.cpu, "1"), key=cpu)
        largest_memory = max((wp.limits.memory, db.limits.memory, "1Gi"), key=memory)
        largest_volume = max((self.wordpress_storage, self.database_storage, "5Gi"), key=memory)
        return {
            "wordpress": {
                "resources": _resources(wp),
                "apache": {"maxRequestWorkers": self.php_workers},
                "php": {"memoryLimit": self.php_memory_limit},
                "persistence": {"size": self.wordpress_storage},
            },
            "mariadb": {
                "resources": _resources(db),
                # Every worker of every WordPress pod at once, plus the setup and cron Jobs.
                "config": {"maxConnections": self.php_workers * WORDPRESS_PODS_AT_ONCE + 10},
            },
            "resourceQuota": {
                "requests": {
                    "cpu": self.quota.requests.cpu,
                    "memory": self.quota.requests.memory,
                    "storage": self.quota.storage,
                },
                "limits": {"cpu": self.quota.limits.cpu, "memory": self.quota.limits.memory},
            },
            "limitRange": {
                "container": {"max": {"cpu": largest_cpu, "memory": largest_memory}},
                "persistentVolumeClaim": {"max": largest_volume},
            },
        }


def _resources(size: ContainerSize) -> dict[str, dict[str, str]]:
    return {
        "requests": {"cpu": size.requests.cpu, "memory": size.requests.memory},
        "limits": {"cpu": size.limits.cpu, "memory": size.limits.memory},
    }


def _size(wp: tuple[str, str, str, str], db: tuple[str, str, str, str]) -> dict[str, Any]:
    def container(values: tuple[str, str, str, str]) -> dict[str, Any]:
        return {
            "requests": {"cpu": values[0], "memory": values[1]},
            "limits": {"cpu": values[2], "memory": values[3]},
        }

    return {"wordpress": container(wp), "mariadb": container(db)}


BUILT_IN: dict[str, dict[str, Any]] = {
    "small": {
        "description": "a small shop: 3 PHP workers, 2Gi + 2Gi of storage",
        **_size(("100m", "256Mi", "1", "1Gi"), ("100m", "256Mi", "1", "768Mi")),
        "php_workers": 3,
        "php_memory_limit": "256M",
        "wordpress_storage": "2Gi",
        "database_storage": "2Gi",
        "quota": {
            "requests": {"cpu": "1500m", "memory": "3Gi"},
            "limits": {"cpu": "9", "memory": "8Gi"},
            "storage": "6Gi",
        },
    },
    "medium": {
        "description": "6 PHP workers, 5Gi of wp-content, 10Gi of database",
        **_size(("250m", "512Mi", "2", "2Gi"), ("250m", "512Mi", "1", "1Gi")),
        "php_workers": 6,
        "php_memory_limit": "256M",
        "wordpress_storage": "5Gi",
        "database_storage": "10Gi",
        "quota": {
            "requests": {"cpu": "2", "memory": "4Gi"},
            "limits": {"cpu": "12", "memory": "12Gi"},
            "storage": "16Gi",
        },
    },
    "large": {
        "description": "10 PHP workers, 10Gi of wp-content, 20Gi of database",
        **_size(("500m", "1Gi", "2", "3Gi"), ("500m", "1Gi", "2", "2Gi")),
        "php_workers": 10,
        "php_memory_limit": "256M",
        "wordpress_storage": "10Gi",
        "database_storage": "20Gi",
        "quota": {
            "requests": {"cpu": "3", "memory": "6Gi"},
            "limits": {"cpu": "14", "memory": "16Gi"},
            "storage": "32Gi",
        },
    },
}


class CatalogueError(ValueError):
    """A plan or version catalogue that cannot be used; the message says which entry and why."""


def load_plans(path: Path | None) -> dict[str, Plan]:
    """The built-in plans, with the file's plans replacing or adding to them by name."""
    documents: dict[str, Any] = dict(BUILT_IN)
    if path is not None:
        documents.update(read_mapping(path, "plans"))
    plans: dict[str, Plan] = {}
    for name, document in documents.items():
        if not isinstance(name, str) or not PLAN_NAME.match(name):
            raise CatalogueError(f"plan name {name!r} must match {PLAN_NAME.pattern}")
        if not isinstance(document, dict):
            raise CatalogueError(f"plan {name!r} must be a mapping")
        try:
            plan = Plan(name=name, **document)
        except (ValidationError, ValueError, TypeError) as exc:
            raise CatalogueError(f"plan {name!r}: {_first_error(exc)}") from None
        problems = plan.problems()
        if problems:
            raise CatalogueError(f"plan {name!r}: " + "; ".join(problems))
        plans[name] = plan
    return plans


def read_mapping(path: Path, what: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise CatalogueError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"the {what} file {path} is not YAML: {exc}") from None
    if not isinstance(document, dict) or not document:
        raise CatalogueError(f"the {what} file {path} must map names to {what}")
    return document


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc)


# --- quantities ---------------------------------------------------------------------------
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "": 1}


def memory(value: str) -> int:
    """Bytes of a Kubernetes quantity (256Mi, 1Gi, 500M)."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)", str(value))
    if match is None:
        raise ValueError(f"{value!r} is not a size such as 512Mi or 2Gi")
    number, unit = match.groups()
    return int(Decimal(number) * (_BINARY.get(unit) or _DECIMAL[unit]))


def cpu(value: str) -> Decimal:
    """Cores of a Kubernetes CPU quantity (250m, 1, 1.5)."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m?)", str(value))
    if match is None:
        raise ValueError(f"{value!r} is not a CPU amount such as 250m or 2")
    number, milli = match.groups()
    return Decimal(number) / (1000 if milli else 1)


def php_bytes(value: str) -> int:
    """A PHP ini size (K, M and G are powers of 1024)."""
    number, unit = re.fullmatch(r"([0-9]+)([KMG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[unit]
