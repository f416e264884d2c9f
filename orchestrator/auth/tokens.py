"""API tokens: how they are made, recognised and named, and who a request acts as."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from orchestrator.models import Scope

# A recognisable prefix lets secret scanners (and people) tell a platform token at a glance.
TOKEN_PREFIX = "woo_"  # noqa: S105 (a prefix, not a secret)
TOKEN_NAME_MAX = 64
_TOKEN_NAME = re.compile(r"[a-z0-9]([-a-z0-9_.]*[a-z0-9])?")

# Who a request acts as when it used WOO_API_TOKEN, or when authentication is off; and who the
# audit trail names for the token CLI.
BOOTSTRAP_NAME = "bootstrap"
ANONYMOUS_NAME = "anonymous"
CLI_NAME = "cli"
RESERVED_NAMES = frozenset({BOOTSTRAP_NAME, ANONYMOUS_NAME, CLI_NAME})


@dataclass(frozen=True)
class Principal:
    """The token a request was made with: its name (for the audit log) and its scope."""

    name: str
    scope: Scope


def new_token() -> str:
    """A fresh token: 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps instead of the token. Tokens are random and long, so a fast
    hash cannot be reversed by guessing; a slow password hash would only slow every request."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a token, or None when it can."""
    if not name:
        return "must not be empty"
    if len(name) > TOKEN_NAME_MAX:
        return f"must be at most {TOKEN_NAME_MAX} characters"
    if not _TOKEN_NAME.fullmatch(name):
        return (
            "must be lowercase letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    if name in RESERVED_NAMES:
        return f"{name!r} is reserved"
    return None
