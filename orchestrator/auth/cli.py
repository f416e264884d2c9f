"""``python -m orchestrator tokens create|list|revoke``: manage API tokens on the platform's
database (the one WOO_DATABASE_URL names), from a shell on any replica."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator import db
from orchestrator.audit.repository import AuditRepository
from orchestrator.auth.repository import TokenRepository
from orchestrator.auth.service import TokenService
from orchestrator.auth.tokens import CLI_NAME
from orchestrator.config import Settings
from orchestrator.errors import WooError
from orchestrator.models import ApiToken, AuditRecord, Scope


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="create, list and revoke API tokens")
    actions = tokens.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a token; it is printed once, last")
    create.add_argument("name")
    create.add_argument("--scope", choices=[scope.value for scope in Scope], required=True)
    actions.add_parser("list", help="list tokens (never their values)")
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")


def run(settings: Settings, arguments: argparse.Namespace) -> int:
    """Run one token command; the exit status."""
    try:
        asyncio.run(_run(settings, arguments))
    except WooError as exc:
        print(f"woo-platform: {exc.detail}", file=sys.stderr)
        return 1
    return 0


async def _run(settings: Settings, arguments: argparse.Namespace) -> None:
    engine = db.create_engine(settings)
    try:
        await db.migrate(engine)
        async with db.session_factory(engine)() as session:
            service = TokenService(TokenRepository(session))
            if arguments.action == "create":
                issued = await service.create(arguments.name, Scope(arguments.scope))
                await _audit(session, "createToken")
                await session.commit()
                print(f"created token {arguments.name!r} with scope {arguments.scope}")
                print("this is the only time it is shown; keep it in a secret store:")
                print(issued.token)
            elif arguments.action == "list":
                _print_table(await service.list())
            else:
                await service.revoke(arguments.name)
                await _audit(session, "revokeToken")
                await session.commit()
                print(f"revoked token {arguments.name!r}")
    finally:
        await engine.dispose()


async def _audit(session: AsyncSession, action: str) -> None:
    """The CLI's changes go to the audit trail like the API's (same action names)."""
    record = AuditRecord(
        token_name=CLI_NAME,
        action=action,
        status_code=200,
        request_id=uuid.uuid4().hex,
        client="cli",
    )
    await AuditRepository(session).add(record)


def _print_table(tokens: Sequence[ApiToken]) -> None:
    rows = [("NAME", "SCOPE", "CREATED", "REVOKED")]
    for token in tokens:
        revoked = token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else "-"
        rows.append(
            (token.name, token.scope.value, token.created_at.isoformat(timespec="seconds"), revoked)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
