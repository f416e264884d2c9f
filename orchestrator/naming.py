"""Naming rules shared by the API, the settings and the reconciler.

Kubernetes decides what a valid name is; we check the same rules up front so that a request a
real cluster would refuse is refused at POST time with a field error, before anything is created.
Every pattern is matched against the whole string (``fullmatch``): ``$`` alone would accept a
trailing newline, which would slip a second spelling of a name past the uniqueness checks.
"""

from __future__ import annotations

import re
import secrets

# DNS-1123 label: what Kubernetes requires of a namespace name.
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
NAMESPACE_MAX = 63
NAMESPACE_SUFFIX_HEX = 8
# The namespace is "<store_name>-<8 hex>", and it must stay a DNS-1123 label (<= 63 chars).
STORE_NAME_MAX = NAMESPACE_MAX - 1 - NAMESPACE_SUFFIX_HEX
HOSTNAME_MAX = 253
# Store names that read as the cluster's own namespaces; the platform's namespace is added by
# the caller (it is a setting).
RESERVED_STORE_NAMES = frozenset({"default", "kube", "kube-system", "kube-public"})
RESERVED_STORE_PREFIXES = ("kube-",)


def control_character_problem(value: str) -> str | None:
    """Control characters (newlines, tabs, NUL, …) have no place in any name we accept."""
    if any(not character.isprintable() for character in value):
        return "must not contain control characters"
    return None


def store_name_problem(name: str, reserved: frozenset[str] = frozenset()) -> str | None:
    """Why ``name`` cannot be a store name, or None when it can. ``reserved`` adds names
    (the platform's own namespace) to the cluster's system names."""
    if not name:
        return "must not be empty"
    problem = control_character_problem(name)
    if problem:
        return problem
    if len(name) > STORE_NAME_MAX:
        return f"must be at most {STORE_NAME_MAX} characters"
    if not _DNS_LABEL.fullmatch(name):
        return (
            "must be a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    if name in RESERVED_STORE_NAMES | reserved or name.startswith(RESERVED_STORE_PREFIXES):
        return f"{name!r} is reserved for the cluster or the platform"
    return None


def hostname_problem(host: str, *, min_labels: int = 2) -> str | None:
    """Why ``host`` cannot be a store domain, or None when it can (lowercase RFC 1123, at least
    ``min_labels`` dot-separated labels: a bare name like ``localhost`` is not a store's)."""
    if not host:
        return "must not be empty"
    problem = control_character_problem(host)
    if problem:
        return problem
    if len(host) > HOSTNAME_MAX:
        return f"must be at most {HOSTNAME_MAX} characters"
    if host != host.lower():
        return "must be lowercase"
    labels = host.split(".")
    for label in labels:
        if not label:
            return "must not contain empty labels (leading, trailing or double dots)"
        if len(label) > NAMESPACE_MAX:
            return "each dot-separated label must be at most 63 characters"
        if not _DNS_LABEL.fullmatch(label):
            return (
                "must be a hostname: dot-separated labels of lowercase letters, digits "
                "and '-', each starting and ending with a letter or digit"
            )
    if labels[-1].isdigit():
        return "must be a hostname, not an IP address"
    if len(labels) < min_labels:
        return f"must have at least {min_labels} dot-separated labels"
    return None


def domain_policy_problem(domain: str, base_domain: str, allowed_suffixes: list[str]) -> str | None:
    """Why a store may not claim ``domain`` on this platform: it must lie under the base domain
    or under one of the operator's allowed suffixes, so nobody can point the shared ingress
    at a cluster-internal or someone else's hostname."""
    for suffix in (base_domain, *allowed_suffixes):
        if domain.endswith("." + suffix):
            return None
    allowed = ", ".join(f"*.{suffix}" for suffix in (base_domain, *allowed_suffixes))
    return f"must be under a domain this platform serves ({allowed})"


def store_domain_problem(host: str) -> str | None:
    """Why ``host`` cannot be a store's domain, or None when it can. Stricter than a hostname:
    WordPress's admin address is admin@<domain>, and WordPress refuses an address whose domain
    has no dot, so a single-label host ("shop") would fail the store's setup much later."""
    problem = hostname_problem(host, min_labels=1)
    if problem:
        return problem
    if "." not in host:
        return "must contain a dot (e.g. shop.localhost): the store's admin email is admin@<domain>"
    return None


def new_namespace(store_name: str) -> str:
    """A fresh, unguessable namespace for a store; chosen once and recorded with the store."""
    return f"{store_name}-{secrets.token_hex(NAMESPACE_SUFFIX_HEX // 2)}"


def default_domain(store_name: str, base_domain: str) -> str:
    return f"{store_name}.{base_domain}"
