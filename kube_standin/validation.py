"""The subset of apiserver validation that catches real mistakes in charts and orchestrator code:
object names, label and annotation keys/values, Secret/ConfigMap keys, and fields that a real
cluster refuses to change after creation. No schema validation (that is the chart tests' job).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from kube_standin import errors
from kube_standin.errors import Cause
from kube_standin.resources import ResourceType

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_QUALIFIED_NAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', "
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)

MAX_SECRET_BYTES = 1024 * 1024

# StatefulSet spec fields that may change after creation (apps/v1 validation).
_STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def validate_create(resource: ResourceType, obj: dict[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    causes = [*_name_causes(resource, name), *_metadata_causes(meta), *_data_causes(obj)]
    if causes:
        raise errors.invalid(resource, name, causes)


def validate_update(resource: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> None:
    meta = new.get("metadata") or {}
    name = meta.get("name", "")
    causes = [*_metadata_causes(meta), *_data_causes(new), *_immutable_causes(resource, old, new)]
    if causes:
        raise errors.invalid(resource, name, causes)


def _name_causes(resource: ResourceType, name: str) -> list[Cause]:
    if not name:
        return [
            Cause(
                "FieldValueRequired",
                "Required value: name or generateName is required",
                "metadata.name",
            )
        ]
    problems = name_problems(resource.name_rule, name)
    return [
        Cause("FieldValueInvalid", f'Invalid value: "{name}": {p}', "metadata.name")
        for p in problems
    ]


def name_problems(rule: str, name: str) -> list[str]:
    if rule == "path-segment":
        if name in (".", ".."):
            return [f"may not be '{name}'"]
        return [f"may not contain '{c}'" for c in "/%" if c in name]
    limit, pattern, message = {
        "dns1123-label": (63, _DNS1123_LABEL, _DNS1123_LABEL_MSG),
        "dns1035-label": (63, _DNS1035_LABEL, _DNS1035_LABEL_MSG),
        "dns1123-subdomain": (253, _DNS1123_SUBDOMAIN, _DNS1123_SUBDOMAIN_MSG),
    }[rule]
    problems = [f"must be no more than {limit} characters"] if len(name) > limit else []
    if not pattern.fullmatch(name):
        problems.append(message)
    return problems


def _metadata_causes(meta: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    for key, value in (meta.get("labels") or {}).items():
        causes += [
            Cause("FieldValueInvalid", f'Invalid value: "{key}": {p}', "metadata.labels")
            for p in _qualified_name_problems(key)
        ]
        if not isinstance(value, str):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {json.dumps(value)}: label values must be strings",
                    "metadata.labels",
                )
            )
            continue
        problems = ["must be no more than 63 characters"] if len(value) > 63 else []
        if not _LABEL_VALUE.fullmatch(value):
            problems.append(_LABEL_VALUE_MSG)
        causes += [
            Cause("FieldValueInvalid", f'Invalid value: "{value}": {p}', "metadata.labels")
            for p in problems
        ]
    for key in meta.get("annotations") or {}:
        causes += [
            Cause("FieldValueInvalid", f'Invalid value: "{key}": {p}', "metadata.annotations")
            for p in _qualified_name_problems(key)
        ]
    return causes


def _qualified_name_problems(key: str) -> list[str]:
    prefix, _, name = key.rpartition("/")
    problems: list[str] = []
    if "/" in prefix:
        return [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
            "with an optional DNS subdomain prefix and '/'"
        ]
    if prefix or key.startswith("/"):
        problems += [f"prefix part {p}" for p in name_problems("dns1123-subdomain", prefix)]
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.fullmatch(name):
        problems.append(_QUALIFIED_NAME_MSG)
    return problems


def _data_causes(obj: dict[str, Any]) -> list[Cause]:
    if obj.get("kind") not in ("Secret", "ConfigMap"):
        return []
    causes: list[Cause] = []
    for section in ("data", "binaryData"):
        for key in obj.get(section) or {}:
            if len(key) > 253 or not _CONFIG_KEY.fullmatch(key):
                causes.append(
                    Cause(
                        "FieldValueInvalid",
                        f'Invalid value: "{key}": {_CONFIG_KEY_MSG}',
                        f"{section}[{key}]",
                    )
                )
    size = sum(len(str(v)) * 3 // 4 for v in (obj.get("data") or {}).values())
    if obj.get("kind") == "Secret" and size > MAX_SECRET_BYTES:
        causes.append(
            Cause(
                "FieldValueTooLong", f"Too long: must have at most {MAX_SECRET_BYTES} bytes", "data"
            )
        )
    return causes


def _immutable_causes(
    resource: ResourceType, old: dict[str, Any], new: dict[str, Any]
) -> list[Cause]:
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    kind = resource.kind
    if kind in ("Secret", "ConfigMap") and old.get("immutable"):
        changed = [f for f in ("data", "binaryData", "immutable") if old.get(f) != new.get(f)]
        return [
            Cause("FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set", f)
            for f in changed
        ]
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        causes = _unchanged(old_spec, new_spec, "selector")
        if kind == "Job":
            causes += _unchanged(old_spec, new_spec, "template")
        if kind == "StatefulSet":
            rest = {k for k in {*old_spec, *new_spec} if k not in _STATEFULSET_MUTABLE}
            if any(old_spec.get(k) != new_spec.get(k) for k in rest):
                causes.append(
                    Cause(
                        "FieldValueForbidden",
                        "Forbidden: updates to statefulset spec for fields other than 'replicas', "
                        "'ordinals', 'template', 'updateStrategy', "
                        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                        "are forbidden",
                        "spec",
                    )
                )
        return causes
    if kind == "Service":
        return _unchanged(old_spec, new_spec, "clusterIP")
    if kind == "PersistentVolumeClaim":
        # resources may grow; the volume binder sets volumeName once.
        strip = [
            {
                k: v
                for k, v in spec.items()
                if k not in ("resources", "volumeAttributesClassName", "volumeName")
            }
            for spec in (old_spec, new_spec)
        ]
        if old_spec.get("volumeName") not in (None, new_spec.get("volumeName")):
            strip.append({"volumeName": old_spec["volumeName"]})
        if strip[0] != strip[1] or len(strip) > 2:
            return [
                Cause(
                    "FieldValueForbidden",
                    "Forbidden: spec is immutable after creation except resources.requests "
                    "and volumeAttributesClassName for bound claims",
                    "spec",
                )
            ]
        # A bound volume may grow, never shrink (helm applying an older, smaller manifest
        # over a claim that grew is refused here, as by the API server).
        before, after = _storage_request(old_spec), _storage_request(new_spec)
        shrinks = before is not None and after is not None and after < before
        if old_spec.get("volumeName") and shrinks:
            return [
                Cause(
                    "FieldValueForbidden",
                    "Forbidden: field can not be less than previous value",
                    "spec.resources.requests.storage",
                )
            ]
    return []


_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_FACTORS = {
    None: 1,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
}


def _storage_request(spec: dict[str, Any]) -> Decimal | None:
    """A claim's requested storage in bytes (None when absent or not a plain quantity)."""
    value = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    found = _QUANTITY.match(str(value)) if value is not None else None
    if found is None:
        return None
    return Decimal(found.group(1)) * _FACTORS[found.group(2)]


def _unchanged(old_spec: dict[str, Any], new_spec: dict[str, Any], key: str) -> list[Cause]:
    if old_spec.get(key) == new_spec.get(key):
        return []
    shown = json.dumps(new_spec.get(key), separators=(",", ":"), sort_keys=True)
    return [
        Cause("FieldValueInvalid", f"Invalid value: {shown}: field is immutable", f"spec.{key}")
    ]
