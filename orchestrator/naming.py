"""Naming rules shared by the API, the settings and the reconciler.

Kubernetes decides what a valid name is; we check the same rules up front so that a request a
real cluster would refuse is refused at POST time with a field error, before anything is created.
"""

from __future__ import annotations

import re
import secrets

# DNS-1123 label: what Kubernetes requires of a namespace name.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
NAMESPACE_MAX = 63
NAMESPACE_SUFFIX_HEX = 8
# The namespace is "<store_name>-<8 hex>", and it must stay a DNS-1123 label (<= 63 chars).
STORE_NAME_MAX = NAMESPACE_MAX - 1 - NAMESPACE_SUFFIX_HEX
HOSTNAME_MAX = 253


def store_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a store name, or None when it can."""
    if not name:
        return "must not be empty"
    if len(name) > STORE_NAME_MAX:
        return f"must be at most {STORE_NAME_MAX} characters"
    if not _DNS_LABEL.match(name):
        return (
            "must be a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return None


def hostname_problem(host: str) -> str | None:
    """Why ``host`` cannot be a store domain, or None when it can (lowercase RFC 1123)."""
    if not host:
        return "must not be empty"
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
        if not _DNS_LABEL.match(label):
            return (
                "must be a hostname: dot-separated labels of lowercase letters, digits "
                "and '-', each starting and ending with a letter or digit"
            )
    if labels[-1].isdigit():
        return "must be a hostname, not an IP address"
    return None


def new_namespace(store_name: str) -> str:
    """A fresh, unguessable namespace for a store; chosen once and recorded with the store."""
    return f"{store_name}-{secrets.token_hex(NAMESPACE_SUFFIX_HEX // 2)}"


def default_domain(store_name: str, base_domain: str) -> str:
    return f"{store_name}.{base_domain}"
