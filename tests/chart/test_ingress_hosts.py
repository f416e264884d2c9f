"""The storefront host reaches the Ingress or the HTTPRoute as the string it is: YAML must not
reinterpret a host that also reads as a number (``10.0`` would become ``10`` and route another
hostname, or none). The chart's schema already refuses single-label hosts such as ``null`` or
``true``; dotted ones that look like floats pass it, so they are what the quoting must keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.conftest import render


@pytest.mark.parametrize("host", ["1.5", "10.0", "3.10"])
@pytest.mark.parametrize("environment", ["local", "prod", "local-ingress", "prod-ingress"])
def test_the_host_stays_a_string(helm_bin: Path, environment: str, host: str) -> None:
    manifest = render(helm_bin, environment, "--set-string", f"ingress.host={host}")
    if environment.endswith("-ingress"):
        [ingress] = manifest.of_kind("Ingress")
        assert [rule["host"] for rule in ingress["spec"]["rules"]] == [host]
        for tls in ingress["spec"].get("tls", []):
            assert tls["hosts"] == [host]
    else:
        [route] = manifest.of_kind("HTTPRoute")
        assert route["spec"]["hostnames"] == [host]
