"""The setup Job's scripts: shellcheck-clean, and setup.sh checks before it changes, so every
re-run (retry, upgrade) changes only what differs. WP-CLI is replaced by tests/chart/fake_wp.py."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.chart.conftest import CHART, Manifest

FILES = CHART / "files"
SHELL_SCRIPTS = sorted(FILES.glob("*.sh"))
SHELLCHECK = Path(sys.executable).with_name("shellcheck")
FAKE_WP = Path(__file__).with_name("fake_wp.py")
ADMIN_PASSWORD = "correct horse battery staple"
# WP-CLI commands that change the store; everything else only reads.
MUTATING = {
    ("core", "install"),
    ("core", "update-db"),
    ("plugin", "install"),
    ("plugin", "activate"),
    ("wc", "update"),
    ("option", "update"),
    ("rewrite", "structure"),
    ("wc", "tool"),
    ("wc", "payment_gateway"),
    ("wc", "product", "create"),
}


def fake_archive(version: str) -> bytes:
    return f"woocommerce {version} archive".encode()


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda path: path.name)
def test_script_passes_shellcheck(script: Path) -> None:
    result = subprocess.run(
        [str(SHELLCHECK), "--shell=bash", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_chart_ships_the_checked_scripts(rendered: Callable[[str], Manifest]) -> None:
    """The setup Job's scripts, and the docroot script that WordPress pods run as well."""
    manifest = rendered("local")
    setup_scripts = manifest.one("ConfigMap", "store-setup-scripts")["data"]
    wordpress_config = manifest.one("ConfigMap", "store-wordpress-config")["data"]
    shipped = {**setup_scripts, **{k: v for k, v in wordpress_config.items() if k.endswith(".sh")}}
    assert set(shipped) == {path.name for path in SHELL_SCRIPTS}
    assert "prepare-docroot.sh" in wordpress_config
    for path in SHELL_SCRIPTS:
        assert shipped[path.name].strip() == path.read_text().strip()


@dataclass
class Store:
    """A store for setup.sh to work on: fake WP-CLI state, a wp-content dir, stub binaries."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        (self.root / "wp-content" / "plugins").mkdir(parents=True)
        self.stub(bin_dir / "wp", f'exec "{sys.executable}" -I -S "{FAKE_WP}" "$@"')
        self.stub(bin_dir / "php", 'exit "${FAKE_DB_DOWN:-0}"')
        # curl writes the fake archive for the requested version to --output.
        self.stub(
            bin_dir / "curl",
            f"""
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in --output) out="$2"; shift;; http*) url="$1";; esac; shift; done
echo "$url" >> "{self.root}/downloads.log"
version="${{url##*/woocommerce.}}"; version="${{version%.zip}}"
printf 'woocommerce %s archive' "$version" > "$out"
""",
        )
        self.env = {
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_WP_STATE": str(self.root / "state.json"),
            "FAKE_WP_LOG": str(self.root / "wp.log"),
            "WP_CONTENT_DIR": str(self.root / "wp-content"),
            "BUNDLED_WOOCOMMERCE": str(self.root / "bundled" / "woocommerce"),
            "WORDPRESS_DB_HOST": "store-mariadb:3306",
            "WORDPRESS_DB_NAME": "woocommerce",
            "WORDPRESS_DB_USER": "woocommerce",
            "WORDPRESS_DB_PASSWORD": "db secret",
            "WORDPRESS_HOME_URL": "http://demo.localhost",
            "WORDPRESS_ADMIN_USER": "admin",
            "WORDPRESS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "WORDPRESS_ADMIN_EMAIL": "admin@demo.localhost",
            "STORE_NAME": "demo",
            "STORE_CURRENCY": "USD",
            "STORE_ADDRESS_STREET": "1 Market Street",
            "STORE_CITY": "San Francisco",
            "STORE_POSTCODE": "94105",
            "STORE_COUNTRY": "US:CA",
            "SAMPLE_PRODUCT_NAME": "Sample product",
            "SAMPLE_PRODUCT_SKU": "WOO-SAMPLE-1",
            "SAMPLE_PRODUCT_PRICE": "19.99",
            "DATABASE_WAIT_SECONDS": "30",
            "HOME": str(self.root),
        }
        self.use_woocommerce("11.2.0")

    @staticmethod
    def stub(path: Path, body: str) -> None:
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)

    def use_woocommerce(self, version: str, source: str = "download") -> None:
        self.env.update(
            WOOCOMMERCE_VERSION=version,
            WOOCOMMERCE_SOURCE=source,
            WOOCOMMERCE_SHA256=hashlib.sha256(fake_archive(version)).hexdigest(),
        )

    def bundle(self, version: str) -> None:
        bundled = Path(self.env["BUNDLED_WOOCOMMERCE"])
        bundled.mkdir(parents=True, exist_ok=True)
        (bundled / "woocommerce.php").write_text(
            f"<?php\n/**\n * Plugin Name: WooCommerce\n * Version: {version}\n */\n"
        )
        (bundled / "readme.txt").write_text(f"Stable tag: {version}\n")

    def run(self) -> subprocess.CompletedProcess[str]:
        log = self.root / "wp.log"
        log.unlink(missing_ok=True)
        log.touch()
        return subprocess.run(
            ["bash", str(FILES / "setup.sh")],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (self.root / "wp.log").read_text().splitlines()]

    def changes(self) -> list[list[str]]:
        changed = []
        for call in self.calls():
            words = [arg for arg in call["argv"] if not arg.startswith("--")]
            if tuple(words[:2]) in MUTATING or tuple(words[:3]) in MUTATING:
                changed.append(call["argv"])
        return changed

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.root / "state.json").read_text())
        return state

    def downloads(self) -> list[str]:
        path = self.root / "downloads.log"
        return path.read_text().split() if path.exists() else []


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path)


def succeed(store: Store) -> None:
    result = store.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[setup] store is set up: http://demo.localhost" in result.stdout


def test_first_run_sets_up_the_store(store: Store) -> None:
    succeed(store)
    state = store.state()
    options = state["options"]
    assert state["installed"] and state["active"]
    assert options["blogname"] == "demo"
    assert options["woocommerce_currency"] == "USD"
    assert options["woocommerce_default_country"] == "US:CA"
    assert options["woocommerce_store_address"] == "1 Market Street"
    assert options["permalink_structure"] == "/%postname%/"
    assert options["woocommerce_coming_soon"] == "no"
    assert options["woocommerce_cod_settings"] == {"enabled": "yes"}
    assert options["woocommerce_onboarding_profile"] == {"skipped": True}
    assert options["woocommerce_db_version"] == "11.2.0"
    assert state["products"] == [
        {"id": 100, "sku": "WOO-SAMPLE-1", "name": "Sample product", "virtual": "true"}
    ]
    assert store.downloads() == ["https://downloads.wordpress.org/plugin/woocommerce.11.2.0.zip"]


def test_second_run_changes_nothing(store: Store) -> None:
    succeed(store)
    before = store.state()
    succeed(store)
    assert store.changes() == []
    assert store.state() == before
    assert len(store.downloads()) == 1


def test_admin_password_travels_on_stdin_only(store: Store) -> None:
    succeed(store)
    assert store.state()["admin_password"] == ADMIN_PASSWORD
    for call in store.calls():
        assert not any(ADMIN_PASSWORD in arg for arg in call["argv"]), call
        assert not any("db secret" in arg for arg in call["argv"]), call
    [install] = [c for c in store.calls() if c["argv"][:2] == ["core", "install"]]
    assert install["stdin"] == ADMIN_PASSWORD + "\n"


def test_upgrade_installs_the_new_woocommerce_and_migrates_only(store: Store) -> None:
    succeed(store)
    store.use_woocommerce("11.3.0")
    succeed(store)
    assert [change[:2] for change in store.changes()] == [["plugin", "install"], ["wc", "update"]]
    assert store.state()["options"]["woocommerce_db_version"] == "11.3.0"


def test_changed_settings_are_applied_and_nothing_else(store: Store) -> None:
    succeed(store)
    store.env["STORE_CURRENCY"] = "EUR"
    succeed(store)
    assert store.changes() == [["option", "update", "woocommerce_currency", "EUR"]]


def test_a_deleted_sample_product_is_not_brought_back(store: Store) -> None:
    succeed(store)
    state = store.state()
    state["products"] = []
    (store.root / "state.json").write_text(json.dumps(state))
    succeed(store)
    assert store.state()["products"] == []
    assert store.changes() == []


def test_prebuilt_image_needs_no_download(store: Store) -> None:
    store.use_woocommerce("11.2.0", source="image")
    store.bundle("11.2.0")
    succeed(store)
    plugin = store.root / "wp-content" / "plugins" / "woocommerce"
    assert (plugin / "readme.txt").read_text() == "Stable tag: 11.2.0\n"
    assert store.downloads() == []
    assert not (store.root / "wp-content" / "upgrade" / "woo-platform-woocommerce").exists()
    succeed(store)
    assert store.changes() == []


def test_prebuilt_image_upgrade_replaces_the_plugin_on_the_volume(store: Store) -> None:
    store.use_woocommerce("11.2.0", source="image")
    store.bundle("11.2.0")
    succeed(store)
    store.use_woocommerce("11.3.0", source="image")
    store.bundle("11.3.0")
    succeed(store)
    plugin = store.root / "wp-content" / "plugins" / "woocommerce"
    assert (plugin / "readme.txt").read_text() == "Stable tag: 11.3.0\n"
    assert [change[:2] for change in store.changes()] == [["wc", "update"]]


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda s: s.env.update(WOOCOMMERCE_SHA256="0" * 64), "does not match woocommerce.sha256"),
        (
            lambda s: s.use_woocommerce("11.2.0", source="image"),
            "no WooCommerce came from the WordPress image",
        ),
        (
            lambda s: (s.use_woocommerce("11.2.0", source="image"), s.bundle("11.1.0")),
            "carries WooCommerce 11.1.0, woocommerce.version is 11.2.0",
        ),
        (lambda s: s.env.update(WOOCOMMERCE_SOURCE="git"), "woocommerce.source must be"),
        (lambda s: s.env.update(STORE_NAME=""), "STORE_NAME is empty"),
    ],
    ids=[
        "checksum-mismatch",
        "image-without-woocommerce",
        "image-version-mismatch",
        "unknown-source",
        "missing-setting",
    ],
)
def test_configuration_errors_exit_3_so_the_job_fails_at_once(
    store: Store, prepare: Callable[[Store], object], message: str
) -> None:
    prepare(store)
    result = store.run()
    assert result.returncode == 3, result.stdout + result.stderr
    assert "[setup] configuration error: " in result.stderr
    assert message in result.stderr
    assert not (store.root / "wp-content" / "plugins" / "woocommerce").exists()


def test_an_unreachable_database_is_a_retryable_failure(store: Store) -> None:
    store.env.update(FAKE_DB_DOWN="1", DATABASE_WAIT_SECONDS="1")
    result = store.run()
    assert result.returncode == 1
    assert "did not answer within 1s" in result.stderr
    assert store.calls() == []


@pytest.mark.parametrize("failing", ["core install", "plugin install", "wc product"])
def test_a_failing_step_is_retryable_and_its_log_carries_no_secret(
    store: Store, failing: str
) -> None:
    """A failed attempt exits 1 (the Job tries again), and its log, which becomes the pod's
    termination message and the store's status reason, names the step but no password."""
    store.env["FAKE_WP_FAIL"] = failing
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "[setup] failed (line " in result.stderr
    assert "store is set up" not in output
    assert ADMIN_PASSWORD not in output
    assert store.env["WORDPRESS_DB_PASSWORD"] not in output


def test_a_missing_wp_cli_fails_the_job_at_once(store: Store) -> None:
    """A setup.image without WP-CLI can never succeed: exit 3 before waiting for the database."""
    (store.root / "bin" / "wp").unlink()
    result = store.run()
    assert result.returncode == 3, result.stdout + result.stderr
    assert "[setup] configuration error: WP-CLI ('wp') is not on PATH" in result.stderr
    assert "waiting for the database" not in result.stdout


@pytest.mark.parametrize(
    ("body", "status"), [("exec /nonexistent/php", 127), ("exec /dev/null", 126)]
)
def test_a_wp_cli_that_cannot_run_is_not_taken_for_a_new_site(
    store: Store, body: str, status: int
) -> None:
    """Exit 126/127 from `wp core is-installed` means WP-CLI itself is broken: no install is
    tried, and the Job fails at once instead of retrying."""
    store.stub(store.root / "bin" / "wp", f'echo "$*" >> "{store.root}/wp.log"; {body} "$@"')
    result = store.run()
    assert result.returncode == 3, result.stdout + result.stderr
    assert (
        f"[setup] configuration error: WP-CLI cannot run ('wp core is-installed' exited {status})"
        in result.stderr
    )
    assert (store.root / "wp.log").read_text() == "core is-installed\n"


def test_another_wp_cli_failure_on_the_install_check_is_retryable(store: Store) -> None:
    store.stub(store.root / "bin" / "wp", 'echo "PHP Fatal error" >&2; exit 255')
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'wp core is-installed' failed with exit status 255" in result.stderr
    assert "installing WordPress" not in result.stdout


def test_a_successful_run_logs_no_secret(store: Store) -> None:
    """The setup Job's output (its pod log) of a whole first run and a re-run carries neither
    the admin password nor the database password."""
    for _ in range(2):
        result = store.run()
        assert result.returncode == 0, result.stdout + result.stderr
        output = result.stdout + result.stderr
        assert "[setup] store is set up" in output
        assert ADMIN_PASSWORD not in output
        assert store.env["WORDPRESS_DB_PASSWORD"] not in output
