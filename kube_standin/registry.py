"""The apiserver's rules on top of the store: create/get/list/update/patch/delete with admission
(namespace exists and is not terminating), validation, defaulting, resourceVersion
preconditions, generation, managedFields, and deletion with namespace termination and
ownerReference cascade. Used by the HTTP handlers and by the in-process controllers.
"""

from __future__ import annotations

import base64
import builtins
import json
import time
import uuid
from typing import Any

from kube_standin import apply, defaults, errors, patches, validation
from kube_standin.errors import Cause
from kube_standin.meta import clone, now, random_suffix
from kube_standin.resources import NAMESPACES, ResourceType
from kube_standin.selectors import field_selector, label_selector
from kube_standin.store import Obj, Store

PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

_TERMINATING_CONFLICT = (
    "The system is ensuring all content is removed from this namespace.  "
    "Upon completion, this namespace will automatically be purged by the "
    "system."
)
_JOB_ORPHAN_WARNING = (
    '299 - "child pods are preserved by default when jobs are deleted; set '
    "propagationPolicy=Background to remove them or set "
    'propagationPolicy=Orphan to suppress this warning"'
)


class Registry:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._ips = defaults.ClusterIPs()
        self._terminating: dict[str, float] = {}

    # -- reads -----------------------------------------------------------------------------

    def get(self, resource: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.store.get(resource, namespace, name)
        if obj is None:
            raise errors.not_found(resource, name)
        return obj

    def list(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        labels: str = "",
        fields: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> Obj:
        matches_labels = label_selector(labels)
        matches_fields = field_selector(resource, fields)
        with self.store.lock:
            revision = self.store.resource_version
            items = [
                o
                for o in self.store.items(resource, namespace)
                if matches_labels(o) and matches_fields(o)
            ]
        start = _decode_continue(continue_token)
        if start:
            items = [o for o in items if _key(o) > start]
        meta: Obj = {"resourceVersion": str(revision)}
        if limit and len(items) > limit:
            items, rest = items[:limit], len(items) - limit
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps(_key(items[-1])).encode()
            ).decode()
            meta["remainingItemCount"] = rest
        for item in items:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        return {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": meta,
            "items": items,
        }

    def resume_terminations(self) -> None:
        """After a restore: namespaces that were Terminating finish terminating."""
        with self.store.lock:
            for namespace in self.store.items(NAMESPACES):
                if namespace["metadata"].get("deletionTimestamp"):
                    self._terminating[namespace["metadata"]["name"]] = time.monotonic()

    def terminating_namespaces(self) -> dict[str, float]:
        """Namespace name -> time.monotonic() of its deletion."""
        with self.store.lock:
            return dict(self._terminating)

    # -- writes ----------------------------------------------------------------------------

    def create(
        self,
        resource: ResourceType,
        namespace: str,
        body: Any,
        *,
        manager: str,
        dry_run: bool = False,
    ) -> Obj:
        obj = _typed_body(resource, namespace, body)
        if obj["metadata"].get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        return self._create(resource, namespace, obj, manager, "Update", body, dry_run)

    def replace(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        *,
        manager: str,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        obj = _typed_body(resource, namespace, body)
        _check_url_name(obj, name)
        with self.store.lock:
            current = self.get(resource, namespace, name)
            return self._update(
                resource, current, obj, subresource, manager, "Update", body, dry_run
            )

    def patch(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        *,
        manager: str | None,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> tuple[Obj, bool]:
        """Returns (object, created); only server-side apply creates."""
        with self.store.lock:
            current = self.store.get(resource, namespace, name)
            if patch_type == patches.APPLY:
                return self._apply(
                    resource, namespace, name, current, body, manager, subresource, dry_run
                )
            if current is None:
                raise errors.not_found(resource, name)
            if patch_type == patches.JSON_PATCH:
                patched = patches.json_patch(current, body)
            elif not isinstance(body, dict):
                raise errors.bad_request("the patch must be a JSON object")
            elif patch_type == patches.MERGE:
                patched = patches.merge_patch(current, body)
            else:
                patched = patches.strategic_merge_patch(current, body)
            if not isinstance(patched, dict):
                raise errors.bad_request("the patch did not produce an object")
            manager = manager or "unknown"
            config = body if isinstance(body, dict) else patched
            updated = self._update(
                resource, current, patched, subresource, manager, "Update", config, dry_run
            )
            return updated, False

    def delete(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        options: Obj,
        *,
        dry_run: bool = False,
    ) -> tuple[Obj, builtins.list[str]]:
        """Returns the response body and any Warning headers."""
        with self.store.lock:
            current = self.get(resource, namespace, name)
            _check_preconditions(resource, current, options.get("preconditions") or {})
            if resource is NAMESPACES:
                return self._terminate_namespace(current, dry_run), []
            policy, warnings = _propagation(resource, options)
            if dry_run:
                return _success(resource, current), warnings
            self.store.remove(resource, namespace, name)
            self._collect_dependents(current["metadata"]["uid"], policy)
            return _success(resource, current), warnings

    def delete_collection(
        self,
        resource: ResourceType,
        namespace: str | None,
        *,
        labels: str,
        fields: str,
        options: Obj,
        dry_run: bool = False,
    ) -> Obj:
        listed = self.list(resource, namespace, labels=labels, fields=fields)
        for item in listed["items"]:
            meta = item["metadata"]
            try:
                self.delete(
                    resource, meta.get("namespace", ""), meta["name"], options, dry_run=dry_run
                )
            except errors.ApiError as error:
                if error.code != 404:
                    raise
        return listed

    def purge_namespace(self, name: str) -> None:
        """The namespace controller's last step: remove the content, then the namespace."""
        with self.store.lock:
            for resource, obj in builtins.list(self.store.in_namespace(name)):
                self.store.remove(resource, name, obj["metadata"]["name"])
            self.store.remove(NAMESPACES, "", name)
            self._terminating.pop(name, None)

    # -- internals -------------------------------------------------------------------------

    def _create(
        self,
        resource: ResourceType,
        namespace: str,
        obj: Obj,
        manager: str,
        operation: str,
        config: Any,
        dry_run: bool,
    ) -> Obj:
        meta = obj["metadata"]
        with self.store.lock:
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{random_suffix()}"
            self._admit_namespace(resource, namespace, meta.get("name", ""))
            for key in (
                "uid",
                "generation",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "managedFields",
                "selfLink",
            ):
                meta.pop(key, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            if resource.has_generation:
                meta["generation"] = 1
            defaults.on_create(resource, obj, self._ips)
            validation.validate_create(resource, obj)
            if self.store.get(resource, namespace, meta["name"]) is not None:
                raise errors.already_exists(resource, meta["name"])
            apply.record(obj, manager, operation, _managed(config), resource.api_version, now())
            if dry_run:
                return obj
            return self.store.write(resource, _ordered(obj))

    def _apply(
        self,
        resource: ResourceType,
        namespace: str,
        name: str,
        current: Obj | None,
        body: Any,
        manager: str | None,
        subresource: str | None,
        dry_run: bool,
    ) -> tuple[Obj, bool]:
        if not manager:
            raise errors.ApiError(
                422,
                "Invalid",
                'PatchOptions.meta.k8s.io "" is invalid: '
                "fieldManager: Required value: is required for apply patch",
            )
        config = _typed_body(resource, namespace, body, require_type=True)
        _check_url_name(config, name)
        if current is None:
            if subresource:
                raise errors.not_found(resource, name)
            return self._create(resource, namespace, config, manager, "Apply", body, dry_run), True
        applied = apply.apply_config(current, config, manager)
        updated = self._update(
            resource, current, applied, subresource, manager, "Apply", body, dry_run
        )
        return updated, False

    def _update(
        self,
        resource: ResourceType,
        current: Obj,
        new: Obj,
        subresource: str | None,
        manager: str,
        operation: str,
        config: Any,
        dry_run: bool,
    ) -> Obj:
        old_meta, meta = current["metadata"], new.setdefault("metadata", {})
        wanted = meta.get("resourceVersion")
        if wanted and wanted != old_meta["resourceVersion"]:
            raise errors.conflict(
                resource,
                old_meta["name"],
                "the object has been modified; "
                "please apply your changes to the latest version and try again",
            )
        for key in (
            "name",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
            "managedFields",
        ):
            if key in old_meta:
                meta[key] = old_meta[key]
        if resource.namespaced:
            meta["namespace"] = old_meta["namespace"]
        defaults.on_update(resource, current, new, subresource)
        validation.validate_update(resource, current, new)
        if resource.has_generation and _spec_of(current) != _spec_of(new):
            new["metadata"]["generation"] = old_meta.get("generation", 1) + 1
        apply.record(
            new, manager, operation, _managed(config), resource.api_version, now(), subresource
        )
        if _unchanged(current, new):
            return current
        if dry_run:
            return new
        return self.store.write(resource, _ordered(new))

    def _admit_namespace(self, resource: ResourceType, namespace: str, name: str) -> None:
        if not resource.namespaced:
            return
        target = self.store.get(NAMESPACES, "", namespace)
        if target is None:
            raise errors.not_found(NAMESPACES, namespace)
        if target["metadata"].get("deletionTimestamp"):
            why = (
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated"
            )
            raise errors.forbidden(
                resource, name, why, [Cause("NamespaceTerminating", why, "metadata.namespace")]
            )

    def _terminate_namespace(self, namespace: Obj, dry_run: bool) -> Obj:
        name = namespace["metadata"]["name"]
        if name in PROTECTED_NAMESPACES:
            raise errors.forbidden(NAMESPACES, name, "this namespace may not be deleted")
        if namespace["metadata"].get("deletionTimestamp"):
            raise errors.conflict(NAMESPACES, name, _TERMINATING_CONFLICT)
        namespace["metadata"]["deletionTimestamp"] = now()
        namespace["metadata"]["deletionGracePeriodSeconds"] = 0
        namespace["status"] = {"phase": "Terminating"}
        if dry_run:
            return namespace
        self._terminating[name] = time.monotonic()
        return self.store.write(NAMESPACES, namespace)

    def _collect_dependents(self, owner_uid: str, policy: str) -> None:
        for resource, dependent in self.store.dependents(owner_uid):
            meta = dependent["metadata"]
            if policy == "Orphan":
                meta["ownerReferences"] = [
                    r for r in meta["ownerReferences"] if r.get("uid") != owner_uid
                ]
                self.store.write(resource, dependent)
                continue
            if self.store.remove(resource, meta.get("namespace", ""), meta["name"]):
                self._collect_dependents(meta["uid"], "Background")


def _typed_body(
    resource: ResourceType, namespace: str, body: Any, *, require_type: bool = False
) -> Obj:
    if not isinstance(body, dict):
        raise errors.bad_request(f"the body of the request must be a {resource.kind} object")
    obj = clone(body)
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if require_type and (not kind or not api_version):
        raise errors.bad_request("apiVersion and kind must be set in an applied configuration")
    if (kind and kind != resource.kind) or (api_version and api_version != resource.api_version):
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match "
            f"the expected API version ({resource.api_version})"
            if kind == resource.kind
            else f"kind {kind} does not match the URL ({resource.kind})"
        )
    obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if resource.namespaced:
        if meta.get("namespace") not in (None, "", namespace):
            raise errors.bad_request(
                "the namespace of the provided object does not match the "
                "namespace sent on the request"
            )
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    return obj


def _check_url_name(obj: Obj, name: str) -> None:
    body_name = obj["metadata"].get("name")
    if body_name != name:
        raise errors.bad_request(
            f"the name of the object ({body_name}) does not match the name on the URL ({name})"
        )


def _check_preconditions(resource: ResourceType, current: Obj, preconditions: Obj) -> None:
    meta = current["metadata"]
    for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = preconditions.get(key)
        if wanted and wanted != meta[key]:
            raise errors.conflict(
                resource,
                meta["name"],
                f"Precondition failed: {label} in precondition: {wanted}, "
                f"{label} in object meta: {meta[key]}",
            )


def _propagation(resource: ResourceType, options: Obj) -> tuple[str, list[str]]:
    policy = options.get("propagationPolicy")
    if policy is None and options.get("orphanDependents") is not None:
        policy = "Orphan" if options["orphanDependents"] else "Background"
    if policy is None:
        if resource.kind == "Job":
            return "Orphan", [_JOB_ORPHAN_WARNING]
        return "Background", []
    if policy not in ("Orphan", "Background", "Foreground"):
        raise errors.ApiError(
            422,
            "Invalid",
            f'DeleteOptions.meta.k8s.io "" is invalid: '
            f'propagationPolicy: Unsupported value: "{policy}"',
        )
    return policy, []


def _success(resource: ResourceType, obj: Obj) -> Obj:
    details = {
        "name": obj["metadata"]["name"],
        "kind": resource.plural,
        "uid": obj["metadata"]["uid"],
    }
    if resource.group:
        details["group"] = resource.group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def _managed(config: Any) -> Obj:
    if not isinstance(config, dict):
        return {}
    return {k: v for k, v in config.items() if k != "status"}


def _ordered(obj: Obj) -> Obj:
    """apiVersion, kind, metadata, the rest, status: the order the apiserver serializes in."""
    head: Obj = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    rest = {k: v for k, v in obj.items() if k not in head and k != "status"}
    return {**head, **rest, **({"status": obj["status"]} if "status" in obj else {})}


def _spec_of(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _unchanged(old: Obj, new: Obj) -> bool:
    def strip(obj: Obj) -> Obj:
        meta = {
            k: v
            for k, v in obj["metadata"].items()
            if k not in ("managedFields", "resourceVersion")
        }
        return {**obj, "metadata": meta}

    return strip(old) == strip(new)


def _key(obj: Obj) -> list[str]:
    return [obj["metadata"].get("namespace", ""), obj["metadata"]["name"]]


def _decode_continue(token: str) -> list[str] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise errors.bad_request(f"continue key is not valid: {token}") from None
    if not isinstance(key, list):
        raise errors.bad_request(f"continue key is not valid: {token}")
    return [str(part) for part in key]
