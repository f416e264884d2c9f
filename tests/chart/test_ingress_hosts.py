"""The storefront host reaches the Ingress as the string it is: YAML must not reinterpret a
host that looks like null, a boolean or a number (``null`` would drop the rule's host and make
it a catch-all for every hostname on the shared ingress controller)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.conftest import render


@pytest.mark.parametrize("host", ["null", "true", "1e5", "0x7f000001", "yes"])
@pytest.mark.parametrize("environment", ["local", "prod"])
def test_the_ingress_host_stays_a_string(helm_bin: Path, environment: str, host: str) -> None:
    manifest = render(helm_bin, environment, "--set-string", f"ingress.host={host}")
    [ingress] = [obj for obj in manifest.objects if obj["kind"] == "Ingress"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [host]
    for tls in ingress["spec"].get("tls", []):
        assert tls["hosts"] == [host]
