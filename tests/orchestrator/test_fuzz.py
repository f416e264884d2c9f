"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document (schemathesis):
hundreds of generated, authenticated requests against the orchestrator running as its own
process. None may end in a 5xx, and no request the API refused may leave a store or a token
behind: every store and token in the database was announced by a success response."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import psycopg
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode

from harness.orchestrator import OrchestratorProcess, orchestrator_process
from harness.tokens import ADMIN_TOKEN, bearer
from kube_standin import KubeStandin
from orchestrator.openapi import openapi_document
from tests.orchestrator.lifecycle_support import helm_wrapper

# Per operation, each of valid-looking (positive) and schema-violating (negative) requests.
EXAMPLES_PER_OPERATION_AND_MODE = 25
MIN_REQUESTS = 500


@pytest.fixture
def orchestrator(
    postgres_database: str, kube_standin: KubeStandin, tmp_path: Path
) -> Iterator[OrchestratorProcess]:
    # A helm that fails at once: the fuzzed stores must not make the machine install hundreds
    # of releases; the API under test is the same.
    failing_helm = helm_wrapper(tmp_path, "helm", "echo 'Error: fuzzing' >&2\nexit 1\n")
    process = orchestrator_process(
        postgres_database,
        kube_standin.kubeconfig,
        failing_helm,
        tmp_path,
        log_level="warning",
        max_concurrency="1",
        backoff_initial_seconds="30",
        # Let the fuzzer reach the routes instead of the rate limiter.
        rate_limit_burst="100000",
    )
    process.start()
    yield process
    process.stop()


def test_generated_requests_never_fail_the_server(
    orchestrator: OrchestratorProcess, postgres_database: str
) -> None:
    schema = schemathesis.openapi.from_dict(json.loads(openapi_document()))
    session = requests.Session()
    session.headers.update(bearer(ADMIN_TOKEN))
    sent = 0
    server_errors: list[str] = []
    announced_stores: set[str] = set()
    announced_tokens: set[str] = set()

    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    for operation, mode in itertools.product(operations, GenerationMode):

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            nonlocal sent
            response = case.call(base_url=orchestrator.url, session=session, timeout=30)
            sent += 1
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.text}")
            if 200 <= response.status_code < 300:
                if case.operation.label == "POST /stores":
                    announced_stores.add(response.json()["id"])
                if case.operation.label == "POST /tokens":
                    announced_tokens.add(response.json()["name"])

        try:
            call()
        except hypothesis.errors.Unsatisfiable:
            # An operation with no parameters has no schema-violating request to make.
            assert mode is GenerationMode.NEGATIVE, operation.label

    print(f"{sent} generated requests")
    assert sent >= MIN_REQUESTS
    assert server_errors == []
    with psycopg.connect(postgres_database) as connection:
        stores = {row[0] for row in connection.execute("SELECT id FROM stores")}
        tokens = {row[0] for row in connection.execute("SELECT name FROM api_tokens")}
    assert stores == announced_stores
    assert tokens == announced_tokens
