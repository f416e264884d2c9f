"""All runtime settings, read once from the environment (prefix ``WOO_``) and validated at start."""

from __future__ import annotations

import ipaddress
import re
import shutil
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from orchestrator.naming import hostname_problem
from orchestrator.plans import CatalogueError, Plan, load_plans
from orchestrator.schedules import cron_problem
from orchestrator.versions.catalogue import Version, load_versions

# The checkout the package runs from; the chart, values files and built dashboard live here
# unless the deployment points elsewhere (the container image does).
REPO_ROOT = Path(__file__).resolve().parent.parent


API_TOKEN_MIN_LENGTH = 32


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WOO_", extra="ignore", frozen=True)

    # --- service -------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # --- access --------------------------------------------------------------------------
    # Every API route but the public ones (health, config, docs, dashboard assets) needs a
    # bearer token. "off" opens the whole API to anyone who reaches the port: a laptop demo only.
    auth: Literal["on", "off"] = "on"
    # A bootstrap admin token from the environment, next to the named tokens in the database.
    api_token: SecretStr | None = None
    # Request bodies larger than this are refused with 413 before they are read.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Calls that change something, per token and replica: a burst, refilled at a steady rate.
    rate_limit_burst: int = Field(60, ge=1)
    rate_limit_per_minute: float = Field(60.0, gt=0)
    # Live (not Deleted) stores on the whole platform, and per token (unset: no per-token cap).
    max_stores: int = Field(500, ge=1)
    max_stores_per_token: int | None = Field(None, ge=1)
    # Origins (https://console.example.com) whose pages may call the API; none: same origin only.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Connections served at once by this process; beyond it new requests get 503.
    max_connections: int = Field(1000, ge=1)

    # --- state ---------------------------------------------------------------------------
    # PostgreSQL in production; with no URL an embedded SQLite file so a newcomer needs nothing.
    database_url: str | None = None
    data_dir: Path = REPO_ROOT / "var"

    # --- what a store is -------------------------------------------------------------------
    base_domain: str = "localhost"
    # Other domains stores may use, as suffixes ("shops.example.com" allows "a.shops.example.com").
    allowed_domain_suffixes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The namespace the platform itself runs in: no store may be named like it.
    platform_namespace: str = "woo-platform"
    chart_path: Path = REPO_ROOT / "helm" / "woocommerce"
    values_dir: Path = REPO_ROOT
    release_name: str = "store"
    # Plans (sizes) and versions: built-in, or from YAML files (orchestrator/plans.py,
    # orchestrator/versions/catalogue.py); checked at start. A store created without a plan or
    # version gets these (unset default version: the catalogue's first).
    plans_file: Path | None = None
    default_plan: str = "small"
    versions_file: Path | None = None
    default_version: str | None = None

    # --- cluster and helm -----------------------------------------------------------------
    kubeconfig: Path | None = None
    kube_context: str | None = None
    helm_bin: Path | None = None
    helm_timeout_seconds: float = Field(180.0, gt=0)
    kube_request_timeout_seconds: float = Field(15.0, gt=0)

    # --- reconciler ----------------------------------------------------------------------
    replica_id: str | None = None
    max_concurrency: int = Field(4, ge=1, le=64)
    reconcile_interval_seconds: float = Field(2.0, gt=0)
    readiness_poll_seconds: float = Field(2.0, gt=0)
    # Store objects are watched; a full health check of every Ready store from the watch cache
    # runs this often as a safety net (changes are acted on at once, not on this schedule).
    resync_seconds: float = Field(600.0, gt=0)
    # How long one watch request lasts before it is renewed (the API server ends it then).
    watch_seconds: float = Field(300.0, ge=10)
    lease_seconds: float = Field(30.0, gt=0)
    # An orderly stop (SIGTERM) waits this long for background work to end (passes cancelled,
    # leases handed back), then exits without it, naming what was still running. Below the
    # pod's terminationGracePeriodSeconds (30 s by default), so the log says why, not a SIGKILL.
    shutdown_seconds: float = Field(20.0, gt=0)
    step_deadline_seconds: float = Field(600.0, gt=0)
    ready_deadline_seconds: float = Field(900.0, gt=0)
    delete_deadline_seconds: float = Field(600.0, gt=0)
    backoff_initial_seconds: float = Field(1.0, gt=0)
    backoff_max_seconds: float = Field(30.0, gt=0)
    # A plan or version change that is not ready this long after helm upgraded it is rolled back.
    upgrade_ready_deadline_seconds: float = Field(600.0, gt=0)
    # How often fleet rollouts look at their stores (and start the next upgrades).
    rollout_interval_seconds: float = Field(2.0, gt=0)
    # A Degraded store whose data is intact gets its release applied again, at most this many
    # times in a row, the first after repair_backoff_seconds, each next one after twice as long.
    repair_max_attempts: int = Field(3, ge=0, le=20)
    repair_backoff_seconds: float = Field(30.0, gt=0)

    # --- retention -----------------------------------------------------------------------
    # An Idempotency-Key can be replayed for this long, then it is forgotten (and reusable).
    idempotency_key_hours: float = Field(24.0, gt=0)
    # Deleted stores stay listable (?include_deleted=true) this long, then they are purged.
    deleted_store_retention_days: float = Field(30.0, gt=0)
    # The audit trail keeps records this long.
    audit_retention_days: float = Field(365.0, gt=0)
    housekeeping_interval_seconds: float = Field(300.0, gt=0)

    # --- where store credentials live ------------------------------------------------------
    # kubernetes: Secrets in the store namespace, written by the orchestrator. vault: a
    # Vault-compatible KV v2 engine (Vault, OpenBao), materialized into the same Secrets by the
    # External Secrets Operator through ExternalSecret objects.
    secrets_backend: Literal["kubernetes", "vault"] = "kubernetes"
    vault_addr: str | None = None
    # token: WOO_VAULT_TOKEN. kubernetes: log in with the pod's ServiceAccount token as
    # WOO_VAULT_KUBERNETES_ROLE at auth/WOO_VAULT_KUBERNETES_MOUNT.
    vault_auth: Literal["token", "kubernetes"] = "token"
    vault_token: SecretStr | None = None
    vault_kubernetes_role: str | None = None
    vault_kubernetes_mount: str = "kubernetes"
    vault_kv_mount: str = "secret"
    vault_path_prefix: str = "woo-platform/stores"
    # The ClusterSecretStore (External Secrets Operator) that reads that KV mount.
    external_secrets_store: str = "woo-platform-vault"
    vault_request_timeout_seconds: float = Field(10.0, gt=0)

    # --- backups ---------------------------------------------------------------------------
    # The S3 endpoint of the backup target (https://s3.eu-west-1.amazonaws.com, http://minio:9000);
    # unset: backups are off. Each store has its own restic repository,
    # s3:<endpoint>/<bucket>/<prefix>/<store id>.
    backup_endpoint: str | None = None
    backup_bucket: str | None = None
    backup_prefix: str = "woo-platform"
    # A Secret in the platform namespace with keys restic-password, aws-access-key-id and
    # aws-secret-access-key: one restic password for the platform, copied into each store's
    # namespace (Secret store-backup) when the store is created.
    backup_credentials_secret: str = "woo-platform-backup-credentials"  # noqa: S105 (a Secret's name)
    # When the store's backup CronJob runs (cron syntax); a store may ask for its own.
    backup_schedule: str = "30 2 * * *"
    # Snapshots restic keeps per day, ISO week and month after each backup.
    backup_keep_daily: int = Field(7, ge=0, le=9999)
    backup_keep_weekly: int = Field(4, ge=0, le=9999)
    backup_keep_monthly: int = Field(6, ge=0, le=9999)
    # Backups of a deleted store stay listed (and restorable into a clone) this long.
    backup_grace_days: float = Field(30.0, gt=0)
    # The backup target's addresses, for the stores' NetworkPolicy egress (none: any address,
    # on the endpoint's port only).
    backup_target_cidrs: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # How long a backup or restore Job may run before the platform reports it failed.
    backup_deadline_seconds: float = Field(3600.0, gt=0)

    # --- tracing -------------------------------------------------------------------------
    # OTLP/HTTP traces endpoint (e.g. http://otel-collector:4318/v1/traces); unset: tracing off.
    otlp_endpoint: str | None = None
    trace_sample_ratio: float = Field(1.0, ge=0, le=1)

    # --- dashboard -----------------------------------------------------------------------
    dashboard_dir: Path = REPO_ROOT / "dashboard" / "dist"

    @field_validator("base_domain")
    @classmethod
    def _base_domain_is_hostname(cls, value: str) -> str:
        # A single label is fine here ("localhost"): stores get '<name>.<base domain>'.
        problem = hostname_problem(value, min_labels=1)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("api_token")
    @classmethod
    def _api_token_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty or short token would let a guess in; refuse to start rather than accept it.
        if value is None:
            return None
        token = value.get_secret_value()
        if len(token) < API_TOKEN_MIN_LENGTH:
            raise ValueError(
                f"must be at least {API_TOKEN_MIN_LENGTH} characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if not token.isprintable() or " " in token:
            raise ValueError("must not contain spaces or control characters")
        return value

    @field_validator(
        "allowed_domain_suffixes", "cors_origins", "backup_target_cidrs", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # From the environment: a comma-separated list.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("allowed_domain_suffixes")
    @classmethod
    def _suffixes_are_hostnames(cls, value: list[str]) -> list[str]:
        for suffix in value:
            problem = hostname_problem(suffix, min_labels=1)
            if problem:
                raise ValueError(f"{suffix!r} {problem}")
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_endpoint_is_http(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL (OTLP over HTTP)")
        return value

    @field_validator("backup_endpoint")
    @classmethod
    def _backup_endpoint_is_http(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?", value):
            raise ValueError("must be an http:// or https:// URL of a host (and port), no path")
        return value.rstrip("/")

    @field_validator("backup_bucket", "backup_prefix")
    @classmethod
    def _backup_path_part(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip("/")
        if not re.fullmatch(r"[a-z0-9][a-z0-9._/-]{0,200}", value) or ".." in value:
            raise ValueError("must be lowercase letters, digits, '.', '_', '-' and '/'")
        return value

    @field_validator("backup_schedule")
    @classmethod
    def _backup_schedule_is_cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("backup_target_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a CIDR") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql", "sqlite")):
            raise ValueError("only postgresql:// and sqlite:// URLs are supported")
        return value

    @field_validator("vault_kv_mount", "vault_path_prefix", "vault_kubernetes_mount")
    @classmethod
    def _vault_path(cls, value: str) -> str:
        value = value.strip("/")
        parts = value.split("/")
        if not all(re.fullmatch(r"[A-Za-z0-9._-]+", part) for part in parts) or {
            ".",
            "..",
        } & set(parts):
            raise ValueError("must be a path of letters, digits, '.', '_' and '-' parts")
        return value

    @model_validator(mode="after")
    def _vault_mode_is_complete(self) -> Settings:
        if self.secrets_backend == "vault":
            if self.vault_addr is None:
                raise ValueError("WOO_SECRETS_BACKEND=vault needs WOO_VAULT_ADDR")
            if self.vault_auth == "token" and self.vault_token is None:
                raise ValueError("WOO_VAULT_AUTH=token needs WOO_VAULT_TOKEN")
            if self.vault_auth == "kubernetes" and not self.vault_kubernetes_role:
                raise ValueError("WOO_VAULT_AUTH=kubernetes needs WOO_VAULT_KUBERNETES_ROLE")
        if self.vault_addr is not None and not self.vault_addr.startswith(("http://", "https://")):
            raise ValueError("WOO_VAULT_ADDR must be an http:// or https:// URL")
        return self

    @model_validator(mode="after")
    def _backups_are_complete(self) -> Settings:
        if self.backup_endpoint is not None and not self.backup_bucket:
            raise ValueError("WOO_BACKUP_ENDPOINT needs WOO_BACKUP_BUCKET")
        if self.backup_keep_daily + self.backup_keep_weekly + self.backup_keep_monthly == 0:
            raise ValueError("the backup retention keeps nothing; set a WOO_BACKUP_KEEP_* above 0")
        return self

    @model_validator(mode="after")
    def _release_step_can_outlive_helm(self) -> Settings:
        # A release step must be able to wait out one timed-out helm and clear what it left
        # pending (helm.client.PENDING_GRACE_SECONDS), or it could never recover.
        if self.step_deadline_seconds < self.helm_timeout_seconds + 20:
            raise ValueError(
                "WOO_STEP_DEADLINE_SECONDS must exceed WOO_HELM_TIMEOUT_SECONDS "
                "by at least 20 seconds"
            )
        return self

    @model_validator(mode="after")
    def _catalogues_are_valid(self) -> Settings:
        # Read once here so a broken plans or versions file stops the start with its reason.
        try:
            plans, versions = self.plans, self.versions
        except CatalogueError as exc:
            raise ValueError(str(exc)) from None
        if self.default_plan not in plans:
            raise ValueError(
                f"WOO_DEFAULT_PLAN {self.default_plan!r} is not a plan ({', '.join(plans)})"
            )
        if self.default_version is not None and self.default_version not in versions:
            raise ValueError(
                f"WOO_DEFAULT_VERSION {self.default_version!r} is not in the version catalogue "
                f"({', '.join(versions)})"
            )
        return self

    # ---- derived ----------------------------------------------------------------------------
    @cached_property
    def async_database_url(self) -> str:
        """URL for the async engine the service runs on."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'woo-platform.sqlite3'}"
        if url.startswith("sqlite:"):
            return url.replace("sqlite:", "sqlite+aiosqlite:", 1)
        for prefix in ("postgresql+psycopg2:", "postgresql+asyncpg:", "postgresql:"):
            if url.startswith(prefix):
                return url.replace(prefix, "postgresql+psycopg:", 1)
        return url

    @cached_property
    def plans(self) -> dict[str, Plan]:
        return load_plans(self.plans_file)

    @cached_property
    def versions(self) -> dict[str, Version]:
        return load_versions(self.versions_file, self.chart_path)

    @property
    def version_for_new_stores(self) -> str:
        return self.default_version or next(iter(self.versions))

    @property
    def backups_enabled(self) -> bool:
        return self.backup_endpoint is not None

    def backup_repository(self, store_id: str) -> str:
        """The restic repository of one store (its backups outlive the store)."""
        return f"s3:{self.backup_endpoint}/{self.backup_bucket}/{self.backup_prefix}/{store_id}"

    @property
    def uses_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    def values_file(self, environment: str) -> Path:
        """values-<environment>.yaml; environments are validated where stores are requested."""
        return self.values_dir / f"values-{environment}.yaml"

    def resolve_helm(self) -> Path | None:
        """The helm binary: WOO_HELM_BIN, else the pinned development copy, else PATH."""
        if self.helm_bin is not None:
            return self.helm_bin if self.helm_bin.is_file() else None
        pinned = REPO_ROOT / ".tools" / "bin" / "helm"
        if pinned.is_file():
            return pinned
        found = shutil.which("helm")
        return Path(found) if found else None


def load_settings() -> Settings:
    """Read the environment; on a bad value raise SettingsError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            name = f"WOO_{field.upper()}" if error["loc"] else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
