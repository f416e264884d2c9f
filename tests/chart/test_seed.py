"""The seeded install (setup.seed): the prebuilt image's seed is made by prebuilt/build-seed.sh
and imported by files/seed.sh into an empty database, against the machine's real MariaDB (a
throwaway database per test). WP-CLI is tests/chart/fake_wp.py with its database mode: options,
users and WooCommerce's tables live in MariaDB, `db import` and `search-replace` run real SQL.
What only the real WordPress does (PHP's serialized-data rewrite in `wp search-replace`, the
password hash) is not exercised here."""

# Queries name this test's own tables and constants; the MariaDB client binds no parameters.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chart.conftest import CHART, Manifest, render, run_helm, values_args
from tests.chart.fake_wp import password_hash
from tests.chart.test_setup_script import ADMIN_PASSWORD, FAKE_WP, Store, plugin_files

BUILD_SEED = CHART / "prebuilt" / "build-seed.sh"
PLACEHOLDER_HOST = "seed.woo-platform.invalid"
MYSQL_HOST = "127.0.0.1"
STORE_EMAIL = "owner@demo.localhost"


def mariadb(query: str, database: str = "") -> str:
    result = subprocess.run(
        ["mariadb", "--host", MYSQL_HOST, "--user", "root", "--batch", "--skip-column-names"]
        + ([database] if database else [])
        + ["--execute", query],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _mariadb_answers() -> bool:
    if shutil.which("mariadb") is None or shutil.which("mariadb-dump") is None:
        return False
    try:
        mariadb("SELECT 1")
    except AssertionError:
        return False
    return True


needs_mariadb = pytest.mark.skipif(
    not _mariadb_answers(), reason=f"needs MariaDB on {MYSQL_HOST}:3306 (root, no password)"
)


def throwaway_database(prefix: str) -> str:
    return f"woo_{prefix}_{secrets.token_hex(6)}"


def build_seed(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """build-seed.sh run on a WordPress stand-in with WooCommerce 11.2.0 (the fake WP-CLI on the
    build's database); the seed goes to ``root / "seed"``."""
    wordpress = root / "usr-src-wordpress"
    plugin = wordpress / "wp-content" / "plugins" / "woocommerce"
    for name, text in plugin_files("11.2.0").items():
        (plugin / name).parent.mkdir(parents=True, exist_ok=True)
        (plugin / name).write_text(text)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    Store.stub(bin_dir / "wp", f'exec "{sys.executable}" -I -S "{FAKE_WP}" "$@"')
    return subprocess.run(
        ["bash", str(BUILD_SEED), str(root / "seed")],
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "HOME": str(root),
            "WOOCOMMERCE_VERSION": "11.2.0",
            "SEED_WORDPRESS": str(wordpress),
            "SEED_WORK": str(root / "work"),
            "FAKE_WP_STATE": str(root / "state.json"),
            "FAKE_WP_LOG": str(root / "wp.log"),
            "WP_CONTENT_DIR": str(wordpress / "wp-content"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image build's seed, made on the machine's MariaDB in a database the script creates
    and drops."""
    root = tmp_path_factory.mktemp("seed-build")
    database = throwaway_database("seedbuild")
    result = build_seed(root, SEED_DB_HOST=MYSQL_HOST, SEED_DB_NAME=database, FAKE_WP_DB=database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not mariadb(f"SHOW DATABASES LIKE '{database}'"), "the build's database stays"
    return root / "seed"


MARIADB_SERVER = shutil.which("mariadbd") or "/usr/sbin/mariadbd"


@pytest.mark.skipif(
    os.geteuid() != 0 or not Path(MARIADB_SERVER).exists(),
    reason="needs root and mariadbd: the build starts its own server as the mysql user",
)
def test_the_build_starts_its_own_mariadb_server_and_stops_it(seed: Path) -> None:
    """As in the image's seed stage: no server to use, so the script runs a private one."""
    # Not pytest's tmp_path: its parents are private to root, and the mysql user must reach it.
    root = Path(tempfile.mkdtemp(prefix="woo-seed-build-"))
    root.chmod(0o755)
    try:
        result = build_seed(
            root, FAKE_WP_DB="seed", FAKE_WP_MYSQL_HOST=str(root / "work" / "mysqld.sock")
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "[seed] starting a private MariaDB server" in result.stderr
        assert not (root / "work").exists(), "the server's files are gone with it"
        # The same install dumps to the same SQL, whichever server ran it, but for what WordPress
        # and WooCommerce draw at random (the administrator's password hash, the store id).
        volatile = re.compile(
            r"\$fake\$[0-9a-f]+|'woocommerce_(store_id|remote_variant_assignment)','[^']*'"
        )
        assert volatile.sub("", (root / "seed" / "seed.sql").read_text()) == volatile.sub(
            "", (seed / "seed.sql").read_text()
        )
    finally:
        shutil.rmtree(root)


def manifest(seed_dir: Path) -> dict[str, str]:
    lines = (seed_dir / "seed.manifest").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def reseal(seed_dir: Path) -> None:
    """Checksums that match the (edited) files: a seed made wrongly, not a damaged one."""
    sums = [
        f"{hashlib.sha256((seed_dir / name).read_bytes()).hexdigest()}  {name}"
        for name in ("seed.sql", "seed.manifest")
    ]
    (seed_dir / "SHA256SUMS").write_text("\n".join(sums) + "\n")


class SeededStore(Store):
    """A store on the prebuilt image with setup.seed on, and its own MariaDB database."""

    database: str = ""

    def db(self, query: str) -> str:
        return mariadb(query, self.database)

    def option(self, name: str) -> str | None:
        rows = self.db(f"SELECT option_value FROM wp_options WHERE option_name = '{name}'")
        return rows.rstrip("\n") if rows else None

    def tables(self) -> set[str]:
        return set(self.db("SHOW TABLES").split())


def new_store(root: Path, seed: Path, databases: list[str]) -> SeededStore:
    root.mkdir(parents=True, exist_ok=True)
    store = SeededStore(root)
    store.database = throwaway_database("store")
    databases.append(store.database)
    mariadb(f"CREATE DATABASE {store.database}")
    seed_copy = root / "bundled" / "seed"
    shutil.copytree(seed, seed_copy)
    store.use_woocommerce("11.2.0", source="image")
    store.bundle("11.2.0")
    # What prepare-docroot.sh does for a new store's volume before the Job's setup container starts.
    shutil.copytree(
        store.env["BUNDLED_WOOCOMMERCE"], root / "wp-content" / "plugins" / "woocommerce"
    )
    store.env.update(
        FAKE_WP_DB=store.database,
        SETUP_SEED="true",
        SEED_DIR=str(seed_copy),
        WORDPRESS_ADMIN_USER="owner",
        WORDPRESS_ADMIN_EMAIL=STORE_EMAIL,
    )
    return store


@pytest.fixture
def databases() -> Iterator[list[str]]:
    created: list[str] = []
    yield created
    for database in created:
        mariadb(f"DROP DATABASE IF EXISTS {database}")


@pytest.fixture
def store(tmp_path: Path, seed: Path, databases: list[str]) -> SeededStore:
    return new_store(tmp_path / "store", seed, databases)


def succeed(store: Store) -> subprocess.CompletedProcess[str]:
    result = store.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[setup] store is set up: http://demo.localhost" in result.stdout
    return result


def commands(store: Store) -> list[list[str]]:
    return [[arg for arg in call["argv"] if not arg.startswith("--")] for call in store.calls()]


def installed_normally(store: Store) -> bool:
    return ["core", "install"] in [words[:2] for words in commands(store)]


# --- the seed the image build makes -----------------------------------------------------------


@needs_mariadb
def test_the_build_makes_a_checksummed_seed_for_the_images_versions(seed: Path) -> None:
    assert sorted(path.name for path in seed.iterdir()) == [
        "SHA256SUMS",
        "seed.manifest",
        "seed.sql",
    ]
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=seed, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert manifest(seed) == {
        "SEED_FORMAT": "1",
        "WORDPRESS_VERSION": "7.1.2",
        "WORDPRESS_DB_REVISION": "60717",
        "WOOCOMMERCE_VERSION": "11.2.0",
        "PLACEHOLDER_URL": f"http://{PLACEHOLDER_HOST}",
        "PLACEHOLDER_ADMIN_USER": "woo-platform-seed-admin",
        "PLACEHOLDER_ADMIN_EMAIL": f"admin@{PLACEHOLDER_HOST}",
        "TABLE_PREFIX": "wp_",
    }
    dump = (seed / "seed.sql").read_text()
    # WooCommerce is active and its tables are in; the settings every store gets are set.
    assert "CREATE TABLE `wp_wc_orders`" in dump
    assert "woocommerce/woocommerce.php" in dump
    assert "'permalink_structure','/%postname%/'" in dump
    # No database of the build's name (it imports into any), no marker of a finished import.
    assert "CREATE DATABASE" not in dump and "USE `" not in dump
    assert "woo_platform_seed" not in dump


def test_the_images_seed_is_what_the_setup_container_is_handed() -> None:
    """prebuilt/Dockerfile builds the seed with build-seed.sh for the WooCommerce it carries and
    copies it where prepare-docroot.sh looks for it (outside the docroot)."""
    dockerfile = (CHART / "prebuilt" / "Dockerfile").read_text()
    versions = set(re.findall(r"^ARG WOOCOMMERCE_VERSION=(\S+)$", dockerfile, re.MULTILINE))
    assert len(versions) == 1, "the fetched plugin and the seed's must be the same version"
    assert "RUN bash /usr/local/bin/build-seed.sh /seed" in dockerfile
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "COPY --from=seed --chown=www-data:www-data /seed /usr/src/woo-platform-seed" in final
    docroot = (CHART / "files" / "prepare-docroot.sh").read_text()
    assert 'SEED_SOURCE="${SEED_SOURCE:-/usr/src/woo-platform-seed}"' in docroot


# --- a new store from the seed ----------------------------------------------------------------


@needs_mariadb
def test_a_new_store_imports_the_seed_instead_of_installing(store: SeededStore) -> None:
    result = succeed(store)
    assert "importing the seed (WordPress 7.1.2, WooCommerce 11.2.0)" in result.stdout
    done = [words[:2] for words in commands(store)]
    assert ["core", "install"] not in done and ["plugin", "activate"] not in done
    assert ["db", "import"] in done
    assert store.option("siteurl") == "http://demo.localhost"
    assert store.option("home") == "http://demo.localhost"
    assert store.option("woo_platform_seed") == "personalised"
    assert "woo_platform_seed_import" not in store.tables()
    assert {"wp_wc_orders", "wp_woocommerce_sessions"} <= store.tables()
    # WooCommerce's installer files, which the dump cannot carry, are on the store's volume.
    protected = store.root / "wp-content" / "uploads" / "woocommerce_uploads" / ".htaccess"
    assert protected.read_text() == "deny from all\n"
    # The usual steps ran on the seeded store.
    assert store.option("blogname") == "demo"
    assert store.option("woocommerce_currency") == "USD"
    assert store.state()["products"][0]["sku"] == "WOO-SAMPLE-1"


@needs_mariadb
def test_the_placeholder_url_is_rewritten_everywhere_but_in_guids(store: SeededStore) -> None:
    succeed(store)
    for table, column in [
        ("wp_options", "option_value"),
        ("wp_posts", "post_content"),
        ("wp_users", "user_email"),
    ]:
        left = store.db(f"SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%{PLACEHOLDER_HOST}%'")
        assert left.strip() == "0", f"{table}.{column} still names the placeholder"
    assert store.db("SELECT post_content FROM wp_posts").strip() == (
        '<a href="http://demo.localhost/shop/">Shop</a>'
    )
    # WordPress: a GUID never changes, even when the site moves.
    assert store.db("SELECT guid FROM wp_posts").strip() == f"http://{PLACEHOLDER_HOST}/?page_id=7"
    # The URL as JSON escapes it.
    assert store.option("woocommerce_blocks_settings") == (
        '{"shop": "http:\\\\/\\\\/demo.localhost\\\\/shop\\\\/"}'
    )


@needs_mariadb
def test_the_placeholder_administrator_becomes_the_stores(store: SeededStore) -> None:
    result = succeed(store)
    assert "[setup] seed administrator: updated" in result.stdout
    users = store.db("SELECT user_login, user_email, user_pass FROM wp_users").splitlines()
    assert users == [f"owner\t{STORE_EMAIL}\t{password_hash(ADMIN_PASSWORD)}"]
    assert store.option("admin_email") == STORE_EMAIL
    assert store.option("woocommerce_email_from_address") == STORE_EMAIL
    assert store.db("SELECT COUNT(*) FROM wp_usermeta WHERE meta_key = 'session_tokens'") == "0\n"


@needs_mariadb
def test_the_seeds_secrets_and_the_stores_are_never_in_the_output(store: SeededStore) -> None:
    result = succeed(store)
    output = result.stdout + result.stderr
    secret = [ADMIN_PASSWORD, store.env["WORDPRESS_DB_PASSWORD"], STORE_EMAIL]
    for value in secret:
        assert value not in output
    for call in store.calls():
        for value in secret:
            assert not any(value in arg for arg in call["argv"]), call
            assert value not in call["stdin"], call


@needs_mariadb
@pytest.mark.parametrize("failing", ["db import", "search-replace", "eval-file", "db query"])
def test_a_failing_seed_step_is_retryable_and_prints_no_secret(
    store: SeededStore, failing: str
) -> None:
    """A failed attempt exits 1 and names the step; the retry completes the store. Neither run's
    output (the log, the termination message, the store's status reason) holds a secret."""
    store.env["FAKE_WP_FAIL"] = failing
    failed = store.run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "[setup] failed (line " in failed.stderr
    del store.env["FAKE_WP_FAIL"]
    retry = succeed(store)
    assert store.option("woo_platform_seed") == "personalised"
    assert not installed_normally(store)
    for result in (failed, retry):
        output = result.stdout + result.stderr
        for secret in (ADMIN_PASSWORD, store.env["WORDPRESS_DB_PASSWORD"], STORE_EMAIL):
            assert secret not in output


@needs_mariadb
def test_what_must_be_unique_per_store_is_regenerated(
    store: SeededStore, seed: Path, databases: list[str], tmp_path: Path
) -> None:
    seeded = (store.root / "bundled" / "seed" / "seed.sql").read_text()
    [build_store_id] = re.findall(r"'woocommerce_store_id','([^']+)'", seeded)
    succeed(store)
    first_id = store.option("woocommerce_store_id")
    assert first_id not in (None, build_store_id)
    assert store.option("auth_key") is None, "a build-time salt must not stay"
    assert store.option("_transient_wc_count_comments") is None
    assert store.option("woocommerce_admin_install_timestamp") != "1790000000"
    # A second store from the same seed gets its own.
    other = new_store(tmp_path / "other", seed, databases)
    succeed(other)
    assert other.option("woocommerce_store_id") not in (None, build_store_id, first_id)


@needs_mariadb
def test_a_second_run_changes_nothing(store: SeededStore) -> None:
    succeed(store)
    before = store.db("SELECT option_name, option_value FROM wp_options ORDER BY option_name")
    second = succeed(store)
    assert "importing the seed" not in second.stdout
    assert store.changes() == []
    assert ["db", "import"] not in [words[:2] for words in commands(store)]
    after = store.db("SELECT option_name, option_value FROM wp_options ORDER BY option_name")
    assert after == before


@needs_mariadb
def test_an_interrupted_import_is_dropped_and_imported_again(store: SeededStore) -> None:
    store.env["FAKE_KILL_IN_IMPORT"] = "1"
    killed = store.run()
    assert killed.returncode in (-9, 137), killed
    assert "woo_platform_seed_import" in store.tables(), "the import table marks the partial import"
    assert store.option("woo_platform_seed") is None
    del store.env["FAKE_KILL_IN_IMPORT"]
    result = succeed(store)
    assert "a seed import did not finish: dropping what it imported and importing again" in (
        result.stdout
    )
    assert "woo_platform_seed_import" not in store.tables()
    assert store.option("woo_platform_seed") == "personalised"
    assert not installed_normally(store)
    assert store.option("siteurl") == "http://demo.localhost"


@needs_mariadb
def test_a_run_that_dies_before_personalising_is_completed_by_the_next(
    store: SeededStore,
) -> None:
    store.env["FAKE_WP_FAIL"] = "search-replace"
    failed = store.run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert store.option("woo_platform_seed") == "imported"
    del store.env["FAKE_WP_FAIL"]
    succeed(store)
    assert ["db", "import"] not in [words[:2] for words in commands(store)]
    assert store.option("siteurl") == "http://demo.localhost"
    assert store.option("woo_platform_seed") == "personalised"


@needs_mariadb
def test_a_failing_database_query_never_reads_as_an_empty_database(store: SeededStore) -> None:
    """An installed store whose database hiccups: the run fails (the Job retries) and nothing is
    imported over it."""
    store.env["SETUP_SEED"] = "false"
    succeed(store)
    before = store.db("SELECT option_name, option_value FROM wp_options ORDER BY option_name")
    store.env.update(SETUP_SEED="true", FAKE_WP_FAIL="db query")
    result = store.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "importing the seed" not in result.stdout
    assert ["db", "import"] not in [words[:2] for words in commands(store)]
    after = store.db("SELECT option_name, option_value FROM wp_options ORDER BY option_name")
    assert after == before


# --- a seed that is refused: the normal install follows ----------------------------------------


@needs_mariadb
def test_a_seed_whose_checksum_does_not_match_is_refused(store: SeededStore) -> None:
    seed_sql = Path(store.env["SEED_DIR"]) / "seed.sql"
    seed_sql.write_text(seed_sql.read_text() + "DROP TABLE wp_users;\n")
    result = succeed(store)
    assert "refusing the seed: its files do not match their SHA256SUMS" in result.stderr
    assert "installing without the seed" in result.stdout
    assert installed_normally(store)
    assert ["db", "import"] not in [words[:2] for words in commands(store)]
    assert store.option("woo_platform_seed") is None
    assert store.option("siteurl") == "http://demo.localhost"


@needs_mariadb
@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "WOOCOMMERCE_VERSION",
            "11.1.0",
            "it was made with WooCommerce 11.1.0, woocommerce.version is 11.2.0",
        ),
        (
            "WORDPRESS_VERSION",
            "7.0.0",
            "it was made with WordPress 7.0.0, the image has WordPress 7.1.2",
        ),
        ("SEED_FORMAT", "2", "format '2', this setup reads format 1"),
    ],
    ids=["woocommerce", "wordpress", "format"],
)
@needs_mariadb
def test_a_seed_made_for_other_versions_is_refused(
    store: SeededStore, key: str, value: str, message: str
) -> None:
    seed_dir = Path(store.env["SEED_DIR"])
    text = (seed_dir / "seed.manifest").read_text()
    (seed_dir / "seed.manifest").write_text(
        re.sub(rf"^{key}=.*$", f"{key}={value}", text, flags=re.M)
    )
    reseal(seed_dir)
    result = succeed(store)
    assert f"refusing the seed: {message}" in result.stderr
    assert installed_normally(store)


@needs_mariadb
def test_an_image_without_a_seed_installs_normally(store: SeededStore) -> None:
    shutil.rmtree(store.env["SEED_DIR"])
    result = succeed(store)
    assert "setup.seed is on, but the WordPress image carries no seed" in result.stdout
    assert installed_normally(store)


@needs_mariadb
def test_an_existing_store_is_never_seeded(store: SeededStore) -> None:
    """A store installed the normal way (or restored) has tables but no seed marker: turning
    setup.seed on later leaves its database alone."""
    store.env["SETUP_SEED"] = "false"
    succeed(store)
    tables = store.tables()
    store.env["SETUP_SEED"] = "true"
    succeed(store)
    assert store.changes() == []
    assert ["db", "import"] not in [words[:2] for words in commands(store)]
    assert store.tables() == tables


# --- the chart ----------------------------------------------------------------------------------


def setup_pod(manifest: Manifest) -> dict[str, Any]:
    [job] = manifest.of_kind("Job")
    pod: dict[str, Any] = job["spec"]["template"]["spec"]
    return pod


def env_of(container: dict[str, Any]) -> dict[str, str | None]:
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def test_setup_seed_reaches_the_docroot_init_container_and_the_setup_script(
    rendered: Callable[[str], Manifest],
) -> None:
    """values-local.yaml turns it on with the prebuilt image: the init container hands the seed
    over through the bundled volume, the setup container reads SETUP_SEED."""
    pod = setup_pod(rendered("local"))
    [docroot] = pod["initContainers"]
    assert env_of(docroot)["SETUP_SEED"] == "true"
    assert "/bundled" in [mount["mountPath"] for mount in docroot["volumeMounts"]]
    assert env_of(pod["containers"][0])["SETUP_SEED"] == "true"


def test_setup_seed_is_off_by_default_and_can_come_without_a_prebuilt_image(
    rendered: Callable[[str], Manifest], helm_bin: Path
) -> None:
    pod = setup_pod(rendered("prod"))
    assert "SETUP_SEED" not in env_of(pod["initContainers"][0])
    assert env_of(pod["containers"][0])["SETUP_SEED"] == "false"
    # The official image carries no seed; setup.sh then says so and installs normally.
    seeded = setup_pod(render(helm_bin, "prod", "--set", "setup.seed=true"))
    [docroot] = seeded["initContainers"]
    assert env_of(docroot) == {"SETUP_SEED": "true"}
    assert "/bundled" in [mount["mountPath"] for mount in docroot["volumeMounts"]]


def test_setup_seed_must_be_a_boolean(helm_bin: Path) -> None:
    result = run_helm(
        helm_bin, "template", "store", str(CHART), *values_args("local"), "--set", "setup.seed=yes"
    )
    assert result.returncode != 0
    assert "'/setup/seed': got string, want boolean" in result.stderr


# --- readiness of a seeded store (files/woo-healthz.php) ----------------------------------------

HEALTHZ_DATABASE = """<?php
// WordPress's SHORTINIT load as woo-healthz.php sees it: $wpdb answering from $HEALTHZ_STATE.
class Stub_Wpdb {
	public $options = 'wp_options';
	public function suppress_errors( $suppress ) {}
	public function get_var( $query ) {
		$state = json_decode( getenv( 'HEALTHZ_STATE' ), true );
		if ( str_starts_with( $query, 'SHOW TABLES' ) ) {
			return $state['importing'] ? 'woo_platform_seed_import' : null;
		}
		preg_match( "/option_name = '([^']+)'/", $query, $match );
		return $state['options'][ $match[1] ] ?? null;
	}
}
$wpdb = new Stub_Wpdb();
"""


@pytest.mark.skipif(shutil.which("php") is None, reason="needs PHP's command line")
@pytest.mark.parametrize(
    ("options", "importing", "answer"),
    [
        ({}, False, "not installed"),
        ({"siteurl": "http://demo.localhost"}, False, "ready"),
        ({"siteurl": f"http://{PLACEHOLDER_HOST}"}, True, "seed not yet personalised"),
        (
            {"siteurl": f"http://{PLACEHOLDER_HOST}", "woo_platform_seed": "imported"},
            False,
            "seed not yet personalised",
        ),
        ({"siteurl": "http://demo.localhost", "woo_platform_seed": "personalised"}, False, "ready"),
    ],
    ids=["empty", "installed", "importing", "imported", "personalised"],
)
def test_a_seeded_store_is_ready_only_once_personalised(
    tmp_path: Path, options: dict[str, str], importing: bool, answer: str
) -> None:
    """Between the import and the personalisation the store's links still name the placeholder
    site: the readiness check keeps it out of the Service until then."""
    (tmp_path / "wp-load.php").write_text(HEALTHZ_DATABASE)
    shutil.copy(CHART / "files" / "woo-healthz.php", tmp_path / "woo-healthz.php")
    result = subprocess.run(
        ["php", str(tmp_path / "woo-healthz.php")],
        env={"HEALTHZ_STATE": json.dumps({"options": options, "importing": importing})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == answer + "\n", result.stdout + result.stderr
