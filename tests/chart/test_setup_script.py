"""The chart's scripts: shellcheck-clean and shipped in its ConfigMaps. setup.sh checks before it
changes, so every re-run (retry, upgrade) changes only what differs. WP-CLI is replaced by
tests/chart/fake_wp.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
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
    ("plugin", "activate"),
    ("wc", "update"),
    ("option", "update"),
    ("rewrite", "structure"),
    ("wc", "tool"),
    ("wc", "payment_gateway"),
    ("wc", "product", "create"),
    ("search-replace",),
}


def plugin_files(version: str) -> dict[str, str]:
    """What wordpress.org publishes for one WooCommerce version (a few files stand for ~3000)."""
    return {
        "woocommerce.php": f"<?php\n/**\n * Plugin Name: WooCommerce\n * Version: {version}\n */\n",
        "readme.txt": f"Stable tag: {version}\n",
        "includes/class-woocommerce.php": f"<?php // WooCommerce {version} core\n",
        "assets/js/frontend/cart.js": f"/* cart {version} */\n",
    }


def publish(upstream: Path, version: str, *, files: dict[str, str] | None = None) -> None:
    """The zip on downloads.wordpress.org (rebuilt: new timestamps and order each time) and the
    per-file checksums of the released version. ``files`` serves something else in the zip."""
    released = plugin_files(version)
    served = files if files is not None else released
    (upstream / "zips").mkdir(parents=True, exist_ok=True)
    (upstream / "checksums").mkdir(parents=True, exist_ok=True)
    rebuilt = len(list((upstream / "zips").glob(f"*{version}*")))
    with zipfile.ZipFile(upstream / "zips" / f"woocommerce.{version}.zip", "w") as archive:
        archive.comment = f"build {rebuilt}".encode()
        for name in sorted(served, reverse=bool(rebuilt % 2)):
            info = zipfile.ZipInfo(
                f"woocommerce/{name}", date_time=(2026, 11, 1 + rebuilt, 0, 0, 0)
            )
            archive.writestr(info, served[name])
    checksums = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in released.items()}
    (upstream / "checksums" / f"{version}.json").write_text(json.dumps(checksums))


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


PHP = shutil.which("php")


@pytest.mark.skipif(PHP is None, reason="needs PHP's command line (scripts/setup.sh installs it)")
@pytest.mark.parametrize(
    "name",
    [
        "admin-login.php",
        "seed-admin.php",
        "seed-files.php",
        "site-identity.php",
        "woo-healthz.php",
        "wp-config.php",
    ],
)
def test_php_files_parse(name: str) -> None:
    """What WP-CLI runs with `wp eval-file` and the config every pod loads: a syntax error would
    only show in a cluster otherwise."""
    assert PHP is not None
    result = subprocess.run(
        [PHP, "-l", str(FILES / name)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_chart_ships_the_checked_scripts(rendered: Callable[[str], Manifest]) -> None:
    """The setup Job's scripts (and the PHP it runs through WP-CLI), the backup Job's scripts, and
    the docroot script that WordPress pods run as well, exactly as tested here."""
    manifest = rendered("local")
    setup_scripts = manifest.one("ConfigMap", "store-setup-scripts")["data"]
    backup_scripts = manifest.one("ConfigMap", "store-backup-scripts")["data"]
    wordpress_config = manifest.one("ConfigMap", "store-wordpress-config")["data"]
    docroot_scripts = {k: v for k, v in wordpress_config.items() if k.endswith(".sh")}
    assert set(setup_scripts).isdisjoint(backup_scripts)
    shipped = setup_scripts | backup_scripts | docroot_scripts
    expected = [
        *SHELL_SCRIPTS,
        FILES / "admin-login.php",
        FILES / "site-identity.php",
        FILES / "seed-admin.php",
        FILES / "seed-files.php",
    ]
    assert set(shipped) == {path.name for path in expected}
    assert "prepare-docroot.sh" in wordpress_config
    for path in expected:
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
        # curl serves the published zip for the requested URL, or fails as curl does after its
        # own retries when $FAKE_CURL_FAIL is set. Its arguments are logged.
        self.stub(
            bin_dir / "curl",
            f"""
echo "$*" >> "{self.root}/curl.log"
out=""; url=""
while [ $# -gt 0 ]; do case "$1" in --output) out="$2"; shift;; http*) url="$1";; esac; shift; done
echo "$url" >> "{self.root}/downloads.log"
if [ -n "${{FAKE_CURL_FAIL:-}}" ]; then echo "curl: (28) Connection timed out" >&2; exit 28; fi
zip="{self.upstream}/zips/${{url##*/}}"
if [ ! -f "$zip" ]; then echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; fi
cp "$zip" "$out"
""",
        )
        # unzip as in the image; $FAKE_KILL_IN_UNZIP kills the setup script (SIGKILL, as a node
        # failure or an OOM kill would) after the plugin header is written, before the rest.
        real_unzip = shutil.which("unzip")
        self.stub(
            bin_dir / "unzip",
            f"""
if [ -n "${{FAKE_KILL_IN_UNZIP:-}}" ]; then
	"{real_unzip}" "$@" woocommerce/woocommerce.php >/dev/null
	kill -KILL "$PPID"; exit 1
fi
exec "{real_unzip}" "$@"
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
            "FAKE_UPSTREAM": str(self.upstream),
        }
        for version in ("11.2.0", "11.3.0"):
            publish(self.upstream, version)
        self.use_woocommerce("11.2.0")

    @property
    def upstream(self) -> Path:
        return self.root / "upstream"

    @staticmethod
    def stub(path: Path, body: str) -> None:
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)

    def use_woocommerce(self, version: str, source: str = "download") -> None:
        self.env.update(WOOCOMMERCE_VERSION=version, WOOCOMMERCE_SOURCE=source)

    def bundle(self, version: str) -> None:
        bundled = Path(self.env["BUNDLED_WOOCOMMERCE"])
        bundled.mkdir(parents=True, exist_ok=True)
        (bundled / "woocommerce.php").write_text(
            f"<?php\n/**\n * Plugin Name: WooCommerce\n * Version: {version}\n */\n"
        )
        (bundled / "readme.txt").write_text(f"Stable tag: {version}\n")

    def run(self, script: str = "setup.sh") -> subprocess.CompletedProcess[str]:
        log = self.root / "wp.log"
        log.unlink(missing_ok=True)
        log.touch()
        # As in the pod: setup.sh beside the files of the setup-scripts ConfigMap.
        scripts = self.root / "scripts"
        scripts.mkdir(exist_ok=True)
        for name in (
            "setup.sh",
            "seed.sh",
            "cron.sh",
            "admin-login.php",
            "site-identity.php",
            "seed-admin.php",
            "seed-files.php",
        ):
            shutil.copy(FILES / name, scripts / name)
        return subprocess.run(
            ["bash", str(scripts / script)],
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
            if any(tuple(words[:length]) in MUTATING for length in (1, 2, 3)) or words[-1:] == [
                "adopt-url"
            ]:
                changed.append(call["argv"])
        return changed

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.root / "state.json").read_text())
        return state

    def plugin(self) -> dict[str, str]:
        """The live WooCommerce on the store's volume, file by file."""
        root = self.root / "wp-content" / "plugins" / "woocommerce"
        return {
            str(path.relative_to(root)): path.read_text()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }

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


def test_admin_password_is_the_secrets_and_on_no_command_line(store: Store) -> None:
    succeed(store)
    assert store.state()["admin_password"] == ADMIN_PASSWORD
    for call in store.calls():
        assert not any(ADMIN_PASSWORD in arg for arg in call["argv"]), call
        assert not any("db secret" in arg for arg in call["argv"]), call
        assert ADMIN_PASSWORD not in call["stdin"], call


def test_a_rotated_admin_password_is_applied_on_the_next_run(store: Store) -> None:
    succeed(store)
    store.env["WORDPRESS_ADMIN_PASSWORD"] = "a new secret from the Secret"
    result = store.run()
    assert result.returncode == 0, result.stderr
    assert "[setup] admin password: updated" in result.stdout
    assert store.state()["admin_password"] == "a new secret from the Secret"
    assert "a new secret from the Secret" not in result.stdout + result.stderr


def test_upgrade_installs_the_new_woocommerce_and_migrates_only(store: Store) -> None:
    succeed(store)
    store.use_woocommerce("11.3.0")
    succeed(store)
    assert store.changes() == [["wc", "update"]]
    assert store.plugin() == plugin_files("11.3.0")
    assert store.state()["options"]["woocommerce_db_version"] == "11.3.0"
    assert not (store.root / "wp-content" / "upgrade" / "woo-platform-woocommerce").exists()


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


@pytest.mark.parametrize(
    "failing", ["core install", "eval-file", "plugin verify-checksums", "wc product"]
)
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


# --- secrets never in the Job's output --------------------------------------------------------


def secret_values(store: Store) -> list[str]:
    """Every secret the setup pod holds or WP-CLI made: the Secret's values and the password WP-CLI
    generates during `core install` (live until the Secret's replaces it)."""
    values = [store.env["WORDPRESS_ADMIN_PASSWORD"], store.env["WORDPRESS_DB_PASSWORD"]]
    state_file = store.root / "state.json"
    if state_file.exists() and "generated_password" in store.state():
        values.append(store.state()["generated_password"])
    return values


SCENARIOS: dict[str, Callable[[Store], object]] = {
    "first-install": lambda s: None,
    "install-fails": lambda s: s.env.update(FAKE_WP_FAIL="core install"),
    "password-step-fails": lambda s: s.env.update(FAKE_WP_FAIL="eval-file"),
    "activation-fails": lambda s: s.env.update(FAKE_WP_FAIL="plugin activate"),
    "download-fails": lambda s: s.env.update(FAKE_CURL_FAIL="1"),
    "database-down": lambda s: s.env.update(FAKE_DB_DOWN="1", DATABASE_WAIT_SECONDS="1"),
    "configuration-error": lambda s: s.env.update(WOOCOMMERCE_SOURCE="git"),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_value_appears_in_the_jobs_output(store: Store, scenario: str) -> None:
    """The Job's log is readable for a day and its tail becomes the pod's termination message and
    the store's status reason: no run, successful or failed, prints a secret. Then a second run
    (the Job's retry) with the fault gone must not print one either."""
    SCENARIOS[scenario](store)
    first = store.run()
    for name in ("FAKE_WP_FAIL", "FAKE_CURL_FAIL", "FAKE_DB_DOWN"):
        store.env.pop(name, None)
    store.env["WOOCOMMERCE_SOURCE"] = "download"
    retry = store.run()
    assert retry.returncode == 0, retry.stdout + retry.stderr
    for result in (first, retry):
        output = result.stdout + result.stderr
        for secret in secret_values(store):
            assert secret not in output, f"a secret is in the output of {scenario}"
    assert "generated_password" in store.state(), "WP-CLI generated no password to look for"


# --- downloads: timeouts, retryable failures, integrity, atomic upgrades ------------------------


def test_the_download_has_a_connect_timeout_and_a_bounded_retry_window(store: Store) -> None:
    succeed(store)
    [arguments] = (store.root / "curl.log").read_text().splitlines()
    words = arguments.split()
    assert words[words.index("--connect-timeout") + 1] == "10"
    total = int(words[words.index("--max-time") + 1]) + int(
        words[words.index("--retry-max-time") + 1]
    )
    assert total < 1800 / 2, "one attempt may use at most half of the Job's deadline"
    assert "--retry-all-errors" in words


def test_a_failed_download_is_retryable_and_the_next_attempt_installs(store: Store) -> None:
    store.env["FAKE_CURL_FAIL"] = "1"
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "downloading https://downloads.wordpress.org/plugin/woocommerce.11.2.0.zip failed" in (
        result.stderr
    )
    assert store.plugin() == {}
    del store.env["FAKE_CURL_FAIL"]
    succeed(store)
    assert store.plugin() == plugin_files("11.2.0")


def test_a_zip_rebuilt_upstream_still_installs(store: Store) -> None:
    """wordpress.org rebuilds zips (new timestamps, order): the per-file checksums still match."""
    before = (store.upstream / "zips" / "woocommerce.11.2.0.zip").read_bytes()
    publish(store.upstream, "11.2.0")
    assert (store.upstream / "zips" / "woocommerce.11.2.0.zip").read_bytes() != before
    succeed(store)
    assert store.plugin() == plugin_files("11.2.0")


def test_a_tampered_download_never_goes_live_and_is_retryable(store: Store) -> None:
    succeed(store)
    tampered = {**plugin_files("11.3.0"), "includes/class-woocommerce.php": "<?php evil();\n"}
    publish(store.upstream, "11.3.0", files=tampered)
    store.use_woocommerce("11.3.0")
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "does not match wordpress.org's checksums" in result.stderr
    assert store.plugin() == plugin_files("11.2.0"), "the verified old copy must stay live"
    assert ["wc", "update"] not in [change[:2] for change in store.changes()]


def test_an_install_killed_half_way_leaves_the_old_plugin_and_the_next_run_installs(
    store: Store,
) -> None:
    """SIGKILL while the new version is unpacked: WordPress keeps serving the complete old copy,
    and the next attempt installs the new one (the leftover staging copy is not trusted)."""
    succeed(store)
    store.use_woocommerce("11.3.0")
    store.env["FAKE_KILL_IN_UNZIP"] = "1"
    killed = store.run()
    assert killed.returncode == -9 or killed.returncode == 137, killed
    assert store.plugin() == plugin_files("11.2.0")
    staged = store.root / "wp-content" / "upgrade" / "woo-platform-woocommerce" / "woocommerce"
    assert (staged / "woocommerce.php").exists(), "the kill came after the header was written"
    del store.env["FAKE_KILL_IN_UNZIP"]
    succeed(store)
    assert store.plugin() == plugin_files("11.3.0")
    assert not staged.exists()


def test_a_run_killed_between_the_renames_is_completed_by_the_next(store: Store) -> None:
    succeed(store)
    live = store.root / "wp-content" / "plugins" / "woocommerce"
    staging = store.root / "wp-content" / "upgrade" / "woo-platform-woocommerce"
    staging.mkdir(parents=True)
    live.rename(staging / "previous")
    succeed(store)
    assert store.plugin() == plugin_files("11.2.0")
    assert not staging.exists()


def test_a_half_written_plugin_that_claims_the_version_is_reinstalled(store: Store) -> None:
    """An older, non-atomic install died after writing the header: the version matches, but
    wordpress.org's checksums do not, so the run reinstalls instead of trusting it."""
    succeed(store)
    live = store.root / "wp-content" / "plugins" / "woocommerce"
    (live / "includes" / "class-woocommerce.php").unlink()
    succeed(store)
    assert store.plugin() == plugin_files("11.2.0")
    assert len(store.downloads()) == 2


# --- background work (files/cron.sh, the CronJob) ---------------------------------------------


def test_cron_waits_for_an_installed_store(store: Store) -> None:
    result = store.run("cron.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WordPress is not installed yet" in result.stdout
    assert [call["argv"][:2] for call in store.calls()] == [["core", "is-installed"]]


def test_cron_runs_due_events_and_the_action_scheduler_queue(store: Store) -> None:
    succeed(store)
    result = store.run("cron.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    state = store.state()
    assert (state["cron_runs"], state["action_scheduler_runs"]) == (1, 1)
    assert store.changes() == []
    [runner] = [c["argv"] for c in store.calls() if c["argv"][0] == "action-scheduler"]
    assert runner[:2] == ["action-scheduler", "run"]
    assert any(arg.startswith("--batches=") for arg in runner), "a run must be bounded"


def test_a_failing_cron_run_exits_1_for_the_next_schedule(store: Store) -> None:
    succeed(store)
    store.env["FAKE_WP_FAIL"] = "cron event"
    result = store.run("cron.sh")
    assert result.returncode == 1
    assert "[cron] failed (line " in result.stderr
    assert "action_scheduler_runs" not in store.state()


# --- adopting a restored or cloned database (setup.adoptRestoredSite) ---------------------------

SOURCE_URL = "http://source.localhost"
SOURCE_ADMIN_PASSWORD = "the source store's admin password"


def serialized(data: dict[str, str]) -> str:
    """A PHP-serialized array of strings, as WordPress stores widget and plugin settings."""
    items = "".join(f's:{len(k)}:"{k}";s:{len(v.encode())}:"{v}";' for k, v in data.items())
    return f"a:{len(data)}:{{{items}}}"


def restore_from_source(store: Store) -> None:
    """The store's database replaced by a backup of another store (a clone): its URL everywhere,
    its admin's password and email."""
    state = store.state()
    state["options"].update(
        home=SOURCE_URL,
        siteurl=SOURCE_URL,
        widget_custom_html=serialized({"content": f'<a href="{SOURCE_URL}/shop/">Shop</a>'}),
    )
    state["posts"] = [
        {
            "guid": f"{SOURCE_URL}/?p=1",
            "post_content": f'<img src="{SOURCE_URL}/wp-content/uploads/a.png">',
            "block_attributes": '{"url":"http:\\/\\/source.localhost\\/shop\\/"}',
        }
    ]
    state.update(admin_password=SOURCE_ADMIN_PASSWORD, admin_email="owner@source.localhost")
    (store.root / "state.json").write_text(json.dumps(state))


def test_an_adopted_restore_takes_this_stores_url_and_admin(store: Store) -> None:
    succeed(store)
    restore_from_source(store)
    store.env["ADOPT_RESTORED_SITE"] = "true"
    result = store.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"rewriting the restored site's URL {SOURCE_URL} to http://demo.localhost" in (
        result.stdout
    )
    state = store.state()
    options = state["options"]
    assert (options["home"], options["siteurl"]) == ("http://demo.localhost",) * 2
    # Serialized values keep valid lengths, JSON-escaped URLs are rewritten, guid is not.
    assert options["widget_custom_html"] == serialized(
        {"content": '<a href="http://demo.localhost/shop/">Shop</a>'}
    )
    [post] = state["posts"]
    assert post["guid"] == f"{SOURCE_URL}/?p=1"
    assert post["post_content"] == '<img src="http://demo.localhost/wp-content/uploads/a.png">'
    assert post["block_attributes"] == '{"url":"http:\\/\\/demo.localhost\\/shop\\/"}'
    replaces = [c["argv"] for c in store.calls() if c["argv"][0] == "search-replace"]
    assert [argv[1:3] for argv in replaces] == [
        [SOURCE_URL, "http://demo.localhost"],
        ["http:\\/\\/source.localhost", "http:\\/\\/demo.localhost"],
    ]
    for argv in replaces:
        assert {"--all-tables-with-prefix", "--precise", "--skip-columns=guid"} <= set(argv)
    # The admin's credentials are this store's Secret's again.
    assert (state["admin_password"], state["admin_email"]) == (
        ADMIN_PASSWORD,
        "admin@demo.localhost",
    )
    assert "[setup] admin email: updated" in result.stdout
    assert "[setup] admin password: updated" in result.stdout


def test_adoption_puts_no_secret_in_the_output_or_on_a_command_line(store: Store) -> None:
    """The Job's log becomes the store's status reason on failure: neither the Secret's admin
    password, nor the database password, nor the restored site's admin password may be in it."""
    succeed(store)
    restore_from_source(store)
    store.env["ADOPT_RESTORED_SITE"] = "true"
    result = store.run()
    assert result.returncode == 0, result.stdout + result.stderr
    secrets = [ADMIN_PASSWORD, store.env["WORDPRESS_DB_PASSWORD"], SOURCE_ADMIN_PASSWORD]
    for secret in secrets:
        assert secret not in result.stdout + result.stderr
        for call in store.calls():
            assert not any(secret in arg for arg in call["argv"]), call
            assert secret not in call["stdin"], call


def test_adoption_again_changes_nothing(store: Store) -> None:
    """setup.adoptRestoredSite may stay on for later upgrades: once the URL is this store's, a run
    rewrites nothing."""
    succeed(store)
    restore_from_source(store)
    store.env["ADOPT_RESTORED_SITE"] = "true"
    succeed(store)
    succeed(store)
    assert store.changes() == []


def test_without_adoption_a_restored_site_keeps_its_url(store: Store) -> None:
    """A restore of the store's own backup needs no rewrite; only the flag triggers one."""
    succeed(store)
    restore_from_source(store)
    succeed(store)
    assert store.state()["options"]["home"] == SOURCE_URL
    assert not [c for c in store.calls() if c["argv"][0] in ("search-replace",)]


def test_adoption_creates_an_admin_the_restored_database_lacks(store: Store) -> None:
    succeed(store)
    restore_from_source(store)
    state = store.state()
    state["admin_login"] = "someone-else"
    (store.root / "state.json").write_text(json.dumps(state))
    store.env["ADOPT_RESTORED_SITE"] = "true"
    result = store.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[setup] admin user: created from the store's Secret" in result.stdout
    assert store.state()["admin_login"] == "admin"
    assert ADMIN_PASSWORD not in result.stdout + result.stderr


def test_a_failed_url_rewrite_is_retryable_and_shows_no_secret(store: Store) -> None:
    succeed(store)
    restore_from_source(store)
    store.env.update(ADOPT_RESTORED_SITE="true", FAKE_WP_FAIL="search-replace")
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[setup] failed (line " in result.stderr
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    del store.env["FAKE_WP_FAIL"]
    succeed(store)
    assert store.state()["options"]["home"] == "http://demo.localhost"
