import pytest

from orchestrator.naming import (
    STORE_NAME_MAX,
    domain_policy_problem,
    hostname_problem,
    new_namespace,
    store_domain_problem,
    store_name_problem,
)


@pytest.mark.parametrize("name", ["demo", "a", "shop-1", "1shop", "a" * STORE_NAME_MAX])
def test_valid_store_names(name: str) -> None:
    assert store_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("Demo", "DNS-1123"),
        ("-demo", "DNS-1123"),
        ("demo-", "DNS-1123"),
        ("de_mo", "DNS-1123"),
        ("de.mo", "DNS-1123"),
        ("a" * (STORE_NAME_MAX + 1), "at most"),
        ("demo\n", "control characters"),
        ("default", "reserved"),
        ("kube-system", "reserved"),
        ("kube-x", "reserved"),
    ],
)
def test_invalid_store_names(name: str, fragment: str) -> None:
    problem = store_name_problem(name)
    assert problem is not None and fragment in problem


def test_namespace_of_the_longest_name_is_a_valid_namespace() -> None:
    namespace = new_namespace("a" * STORE_NAME_MAX)
    assert len(namespace) == 63
    assert store_name_problem(namespace[:STORE_NAME_MAX]) is None
    assert namespace.rsplit("-", 1)[1].isalnum()


def test_namespaces_are_not_reused() -> None:
    assert len({new_namespace("demo") for _ in range(200)}) == 200


@pytest.mark.parametrize("host", ["demo.localhost", "shop.example.com", "a-b.c-d.io"])
def test_valid_hostnames(host: str) -> None:
    assert hostname_problem(host) is None


def test_a_single_label_is_a_base_domain_not_a_store_host() -> None:
    assert hostname_problem("localhost", min_labels=1) is None
    problem = hostname_problem("localhost")
    assert problem is not None and "2 dot-separated labels" in problem


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("Demo.localhost", "lowercase"),
        ("demo..localhost", "empty labels"),
        (".demo", "empty labels"),
        ("demo.", "empty labels"),
        ("de_mo.com", "hostname"),
        ("-demo.com", "hostname"),
        ("10.0.0.1", "IP address"),
        ("a" * 64 + ".com", "63"),
        (("a" * 60 + ".") * 5 + "com", "253"),
        ("http://demo.com", "hostname"),
        ("demo.com\n", "control characters"),
        ("demo\t.com", "control characters"),
        ("null", "labels"),
    ],
)
def test_invalid_hostnames(host: str, fragment: str) -> None:
    problem = hostname_problem(host)
    assert problem is not None and fragment in problem


def test_the_platform_namespace_can_be_reserved() -> None:
    assert store_name_problem("woo-platform") is None
    problem = store_name_problem("woo-platform", frozenset({"woo-platform"}))
    assert problem is not None and "reserved" in problem


@pytest.mark.parametrize(
    ("domain", "allowed"),
    [
        ("a.shops.example.com", True),
        ("a.b.shops.example.com", True),
        ("a.brand.example.org", True),
        ("shops.example.com", False),
        ("evilshops.example.com", False),
        ("kubernetes.default.svc", False),
    ],
)
def test_domains_must_lie_under_a_served_suffix(domain: str, allowed: bool) -> None:
    problem = domain_policy_problem(domain, "shops.example.com", ["brand.example.org"])
    assert (problem is None) is allowed


@pytest.mark.parametrize("host", ["demo.localhost", "shop.example.com", "xn--bcher-kva.example"])
def test_valid_store_domains(host: str) -> None:
    assert store_domain_problem(host) is None


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("shop", "must contain a dot"),
        ("localhost", "must contain a dot"),
        ("Shop.com", "lowercase"),
    ],
)
def test_a_store_domain_needs_a_dot(host: str, fragment: str) -> None:
    """WordPress refuses admin@shop, so a single-label domain is refused up front."""
    problem = store_domain_problem(host)
    assert problem is not None and fragment in problem
