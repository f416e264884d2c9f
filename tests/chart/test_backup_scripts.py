"""The store's backup and restore scripts, run for real: Debian's restic and MariaDB client against
the machine's MariaDB server (a throwaway WooCommerce-shaped database and user per test) and an S3
API on loopback (moto's server), with a wp-content tree of binary files."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from harness.ports import free_port
from tests.chart.conftest import CHART

FILES = CHART / "files"
BACKUP = FILES / "backup.sh"
RESTORE = FILES / "restore.sh"
MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306
MARIADB = ["mariadb", "-h", MARIADB_HOST, "-P", str(MARIADB_PORT), "--batch", "--skip-column-names"]
# Characters that break naive quoting in option files, shells and SQL.
DB_PASSWORD = "p\"a's\\ #$x{`}"
RESTIC_PASSWORD = "restic: correct horse battery staple"
AWS_SECRET = "moto-secret-key-8c1f"
POLICY = {"RETENTION_KEEP_DAILY": 7, "RETENTION_KEEP_WEEKLY": 4, "RETENTION_KEEP_MONTHLY": 6}


def root_sql(sql: str, database: str = "") -> str:
    """Runs SQL as the server's root (test set-up and inspection only)."""
    result = subprocess.run(
        [*MARIADB, "-uroot", "-e", sql, *([database] if database else [])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    if shutil.which("restic") is None or shutil.which("mariadb-dump") is None:
        pytest.fail("restic and mariadb-client are missing: run scripts/setup.sh")
    port = free_port()
    # Its request log would bury a failing test's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


# A WooCommerce-shaped schema with the objects a plain table copy would miss: a trigger, a
# stored function and procedure, an event and a view. Created by the store's own user, as
# WordPress and its plugins do.
SCHEMA = """
CREATE TABLE wp_options (option_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  option_name VARCHAR(191) NOT NULL UNIQUE, option_value LONGTEXT NOT NULL,
  autoload VARCHAR(20) NOT NULL DEFAULT 'yes') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_posts (ID BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  post_author BIGINT UNSIGNED NOT NULL DEFAULT 0, post_date DATETIME NOT NULL,
  post_content LONGTEXT NOT NULL, post_title TEXT NOT NULL,
  post_status VARCHAR(20) NOT NULL DEFAULT 'publish', post_name VARCHAR(200) NOT NULL,
  post_type VARCHAR(20) NOT NULL DEFAULT 'post',
  KEY type_status_date (post_type, post_status, post_date, ID))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_postmeta (meta_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  post_id BIGINT UNSIGNED NOT NULL, meta_key VARCHAR(255), meta_value LONGTEXT,
  KEY post_id (post_id), KEY meta_key (meta_key(191))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_wc_orders (id BIGINT UNSIGNED PRIMARY KEY, status VARCHAR(20),
  currency VARCHAR(10), total_amount DECIMAL(26,8), customer_id BIGINT UNSIGNED,
  billing_email VARCHAR(320), date_created_gmt DATETIME, payment_method VARCHAR(100))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_wc_order_addresses (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL, address_type VARCHAR(20), first_name TEXT, city TEXT,
  country TEXT, UNIQUE KEY address_type_order_id (address_type, order_id))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_woocommerce_order_items (order_item_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  order_item_name TEXT NOT NULL, order_item_type VARCHAR(200) NOT NULL DEFAULT '',
  order_id BIGINT UNSIGNED NOT NULL, KEY order_id (order_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE wp_order_audit (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL, status VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE wp_plugin_blobs (id INT PRIMARY KEY, payload LONGBLOB) ENGINE=InnoDB;
CREATE TRIGGER wp_wc_orders_audit AFTER INSERT ON wp_wc_orders FOR EACH ROW
  INSERT INTO wp_order_audit (order_id, status) VALUES (NEW.id, NEW.status);
CREATE FUNCTION wc_order_total(p_order BIGINT UNSIGNED) RETURNS DECIMAL(26,8) READS SQL DATA
  RETURN (SELECT total_amount FROM wp_wc_orders WHERE id = p_order);
CREATE PROCEDURE wc_cancel_order(IN p_order BIGINT UNSIGNED)
  UPDATE wp_wc_orders SET status = 'wc-cancelled' WHERE id = p_order;
CREATE EVENT wc_prune_audit ON SCHEDULE EVERY 1 DAY DISABLE
  DO DELETE FROM wp_order_audit WHERE id < 0;
CREATE VIEW wp_wc_order_totals AS
  SELECT status, COUNT(*) AS orders, SUM(total_amount) AS total FROM wp_wc_orders GROUP BY status;
INSERT INTO wp_options (option_name, option_value) VALUES
  ('siteurl', 'http://demo.localhost'), ('blogname', 'Café ☕ 😀'),
  ('woocommerce_cod_settings', 'a:1:{s:7:"enabled";s:3:"yes";}');
INSERT INTO wp_posts (post_date, post_content, post_title, post_name, post_type)
  SELECT NOW() - INTERVAL seq HOUR, CONCAT('Description ', seq, ' — naïve "quoted" \\\\ text\\n'),
    CONCAT('Product ', seq), CONCAT('product-', seq), IF(seq % 3 = 0, 'shop_order', 'product')
  FROM seq_1_to_300;
INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
  SELECT seq, '_price', CONCAT(seq, '.99') FROM seq_1_to_300
  UNION ALL SELECT seq, '_product_attributes', 'a:1:{s:4:"size";a:1:{s:5:"value";s:1:"M";}}'
  FROM seq_1_to_300;
INSERT INTO wp_wc_orders SELECT seq, 'wc-processing', 'EUR', seq * 10.5, seq % 17,
  CONCAT('buyer', seq, '@example.com'), NOW() - INTERVAL seq DAY, 'cod' FROM seq_1_to_120;
INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, city, country)
  SELECT seq, 'billing', CONCAT('Zoë ', seq), 'Zürich', 'CH' FROM seq_1_to_120;
INSERT INTO wp_woocommerce_order_items (order_item_name, order_item_type, order_id)
  SELECT CONCAT('Product ', seq), 'line_item', seq FROM seq_1_to_120;
INSERT INTO wp_plugin_blobs SELECT seq, RANDOM_BYTES(1024) FROM seq_1_to_50;
"""


@dataclass
class Store:
    """A throwaway store: its database and user on the machine's MariaDB, a wp-content tree, and a
    restic repository of its own on the S3 endpoint."""

    root: Path
    s3_endpoint: str
    store_id: str = field(default_factory=lambda: f"s{secrets.token_hex(4)}")

    def __post_init__(self) -> None:
        self.database = f"woo_backup_{secrets.token_hex(4)}"
        self.data_dir = self.root / "store"
        self.content = self.data_dir / "wp-content"
        self.repository = f"s3:{self.s3_endpoint}/backups/{secrets.token_hex(4)}/{self.store_id}"
        self.secrets_dir = self.root / "secrets"
        self.secrets_dir.mkdir()
        (self.secrets_dir / "db-password").write_text(DB_PASSWORD)
        (self.secrets_dir / "restic-password").write_text(RESTIC_PASSWORD)
        (self.secrets_dir / "wrong-password").write_text("not the password")

    def create(self) -> None:
        root_sql(
            f"CREATE DATABASE {self.database}; "
            f"CREATE USER '{self.database}'@'%' IDENTIFIED BY '{sql_string(DB_PASSWORD)}'; "
            f"GRANT ALL PRIVILEGES ON {self.database}.* TO '{self.database}'@'%';"
        )
        self.user_sql(SCHEMA)
        write_wp_content(self.content)

    def destroy(self) -> None:
        root_sql(
            f"DROP DATABASE IF EXISTS {self.database}; DROP USER IF EXISTS '{self.database}'@'%';"
        )

    def user_sql(self, sql: str) -> str:
        """Runs SQL as the store's own user, as WordPress would."""
        result = subprocess.run(
            [*MARIADB, "--default-character-set=utf8mb4", "-u", self.database, self.database],
            input=sql,
            env={**os.environ, "MYSQL_PWD": DB_PASSWORD},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.root),
            "TMPDIR": str(self.root),
            "TZ": "UTC",
            "STORE_ID": self.store_id,
            "BACKUP_KIND": "manual",
            "DB_HOST": MARIADB_HOST,
            "DB_PORT": str(MARIADB_PORT),
            "DB_NAME": self.database,
            "DB_USER": self.database,
            "DB_PASSWORD_FILE": str(self.secrets_dir / "db-password"),
            "STORE_DATA_DIR": str(self.data_dir),
            "RESTIC_REPOSITORY": self.repository,
            "RESTIC_PASSWORD_FILE": str(self.secrets_dir / "restic-password"),
            "RESTIC_CACHE_DIR": str(self.root / "restic-cache"),
            "AWS_ACCESS_KEY_ID": "moto-access-key",
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            **{name: str(count) for name, count in POLICY.items()},
        }
        env.update(overrides)
        return env

    def run(self, script: Path, **overrides: str) -> Run:
        return self.run_command(["bash", str(script)], overrides)

    def run_without_read_override(self, script: Path, **overrides: str) -> Run:
        """Without root's power to read any file, as a Job runs."""
        no_override = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
        return self.run_command([*no_override, "bash", str(script)], overrides)

    def run_command(self, argv: list[str], overrides: dict[str, str]) -> Run:
        script = Path(argv[-1])
        result = subprocess.run(
            argv,
            env=self.env(**overrides),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        output = result.stdout + result.stderr
        for secret in (DB_PASSWORD, RESTIC_PASSWORD, AWS_SECRET):
            assert secret not in output, f"a secret is in the output of {script.name}"
        return Run(result.returncode, result.stdout, result.stderr)

    def backup(self, **overrides: str) -> dict[str, Any]:
        run = self.run(BACKUP, **overrides)
        assert run.code == 0, run.stdout + run.stderr
        return run.result("backup")

    def restore(self, snapshot_id: str, **overrides: str) -> dict[str, Any]:
        run = self.run(RESTORE, SNAPSHOT_ID=snapshot_id, **overrides)
        assert run.code == 0, run.stdout + run.stderr
        return run.result("restore")

    def restic(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            ["restic", *args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def snapshots(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.restic("snapshots", "--json"))
        return found

    def database_state(self) -> dict[str, Any]:
        """Row count and checksum of every table, and the definitions of every other object."""
        tables = self.user_sql(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
        ).split()
        state: dict[str, Any] = {}
        if tables:
            checksums = self.user_sql(f"CHECKSUM TABLE {', '.join(tables)} EXTENDED")
            for line in checksums.splitlines():
                name, checksum = line.split("\t")
                table = name.split(".", 1)[1]
                # The table names come from information_schema.
                count = self.user_sql(f"SELECT COUNT(*) FROM {table}").strip()  # noqa: S608
                state[f"table {table}"] = [int(count), checksum]
        for kind, query in {
            "trigger": "SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
            "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
            "routine": "SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION "
            "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
            "event": "SELECT EVENT_NAME, EVENT_DEFINITION, STATUS "
            "FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
            "view": "SELECT TABLE_NAME, VIEW_DEFINITION "
            "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        }.items():
            for line in self.user_sql(query + " ORDER BY 1").splitlines():
                name, *definition = line.split("\t")
                state[f"{kind} {name}"] = definition
        return state

    def files_state(self) -> dict[str, str]:
        return tree_state(self.content)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def result(self, task: str) -> dict[str, Any]:
        """The machine-readable last line of standard output."""
        prefix = f"woo-platform-{task}-result "
        last = self.stdout.splitlines()[-1]
        assert last.startswith(prefix), self.stdout
        parsed: dict[str, Any] = json.loads(last.removeprefix(prefix))
        return parsed


def sql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def write_wp_content(content: Path) -> None:
    """Uploads, plugins and themes: binary files over several restic chunks, odd names, a dotfile,
    an empty file and directory, a symlink, an executable."""
    files = {
        "uploads/2026/11/photo.jpg": os.urandom(300_000),
        "uploads/2026/11/photo-150x150.jpg": os.urandom(12_000),
        "uploads/2026/11/price list ü.pdf": os.urandom(40_000),
        "uploads/.htaccess": b"Options -Indexes\n",
        "uploads/woocommerce_uploads/empty.txt": b"",
        "plugins/woocommerce/woocommerce.php": b"<?php\n/* Plugin Name: WooCommerce */\n",
        "plugins/woocommerce/assets/bundle.bin": os.urandom(3_000_000),
        "themes/storefront/style.css": b"/* Theme Name: Storefront */\n",
        "themes/storefront/bin/build.sh": b"#!/bin/sh\necho build\n",
    }
    for relative, data in files.items():
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (content / "themes/storefront/bin/build.sh").chmod(0o755)
    (content / "upgrade").mkdir()
    (content / "themes/current").symlink_to("storefront")


def tree_state(root: Path) -> dict[str, str]:
    """Every entry under root: content hash and mode for files, target for links."""
    state = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        mode = oct(stat.S_IMODE(path.lstat().st_mode))
        if path.is_symlink():
            state[relative] = f"link -> {os.readlink(path)}"
        elif path.is_dir():
            state[relative] = f"dir {mode}"
        else:
            state[relative] = f"file {mode} {hashlib.sha256(path.read_bytes()).hexdigest()}"
    return state


@pytest.fixture
def store(tmp_path: Path, s3_endpoint: str) -> Iterator[Store]:
    store = Store(tmp_path, s3_endpoint)
    try:
        store.create()
        yield store
    finally:
        store.destroy()


def change_everything(store: Store) -> None:
    """What happens to a store after its backup: new orders, a new plugin table and routine,
    changed settings, new, changed and deleted files."""
    store.user_sql(
        "INSERT INTO wp_wc_orders VALUES (9001, 'wc-pending', 'EUR', 1.00, 1, 'x@example.com', "
        "NOW(), 'cod'); UPDATE wp_options SET option_value = 'changed' WHERE option_name = "
        "'blogname'; CREATE TABLE wp_new_plugin (id INT PRIMARY KEY); "
        "CREATE PROCEDURE wp_new_plugin_install() SELECT 1; DROP VIEW wp_wc_order_totals;"
    )
    (store.content / "plugins/evil/evil.php").parent.mkdir(parents=True)
    (store.content / "plugins/evil/evil.php").write_text("<?php system($_GET['c']);")
    (store.content / "uploads/2026/11/photo.jpg").write_bytes(b"overwritten")
    (store.content / "themes/storefront/style.css").unlink()


def test_restore_brings_back_the_database_and_wp_content_of_the_backup(store: Store) -> None:
    database, files = store.database_state(), store.files_state()
    backup = store.backup()

    assert backup["status"] == "succeeded"
    assert backup["store_id"] == store.store_id and backup["kind"] == "manual"
    assert backup["total_bytes"] > 3_300_000 and backup["files"] == 10
    assert backup["retention"] == "applied"
    [snapshot] = store.snapshots()
    assert snapshot["id"] == backup["snapshot_id"] and snapshot["time"] == backup["time"]
    assert snapshot["hostname"] == store.store_id
    assert sorted(snapshot["tags"]) == ["kind=manual", f"store={store.store_id}"]
    assert not (store.data_dir / "database.sql").exists()

    root_sql(f"DROP DATABASE {store.database}")
    (store.content / "plugins/woocommerce/assets/bundle.bin").write_bytes(b"broken by an update")
    shutil.rmtree(store.content / "uploads")

    restored = store.restore(backup["snapshot_id"])

    assert restored == {
        "status": "succeeded",
        "snapshot_id": backup["snapshot_id"],
        "store_id": store.store_id,
        "time": backup["time"],
        "database": store.database,
    }
    assert store.database_state() == database
    assert store.files_state() == files
    assert sorted(path.name for path in store.data_dir.iterdir()) == ["wp-content"]
    # The restored trigger, function and procedure work for the store's own user.
    store.user_sql(
        "INSERT INTO wp_wc_orders VALUES (5000, 'wc-on-hold', 'EUR', 42.5, 1, 'a@example.com', "
        "NOW(), 'cod'); CALL wc_cancel_order(5000);"
    )
    assert store.user_sql("SELECT status FROM wp_order_audit WHERE order_id = 5000") == (
        "wc-on-hold\n"
    )
    assert store.user_sql("SELECT wc_order_total(5000)") == "42.50000000\n"
    assert store.user_sql("SELECT status FROM wp_wc_orders WHERE id = 5000") == "wc-cancelled\n"


def test_the_result_line_is_also_written_to_the_result_file(store: Store) -> None:
    """A Job sets RESULT_FILE=/dev/termination-log: the outcome is then in the pod's status."""
    result_file = store.root / "termination-log"

    succeeded = store.run(BACKUP, RESULT_FILE=str(result_file))
    written_on_success = result_file.read_text()
    failed = store.run(RESTORE, SNAPSHOT_ID="deadbeef", RESULT_FILE=str(result_file))

    assert written_on_success == succeeded.stdout.splitlines()[-1] + "\n"
    assert result_file.read_text() == failed.stdout.splitlines()[-1] + "\n"
    assert failed.result("restore")["status"] == "failed"


def test_restore_removes_what_was_added_after_the_backup(store: Store) -> None:
    database, files = store.database_state(), store.files_state()
    backup = store.backup()
    change_everything(store)
    assert store.database_state() != database and store.files_state() != files

    store.restore(backup["short_id"])

    assert store.database_state() == database
    assert store.files_state() == files


def test_a_backup_restores_into_another_store_with_its_own_user(
    store: Store, tmp_path: Path, s3_endpoint: str
) -> None:
    """What a clone will do: the routines, triggers, events and views of the backup belong to the
    restoring store's user afterwards, so that user needs no SUPER privilege and can run them."""
    clone_root = tmp_path / "clone"
    clone_root.mkdir()
    clone = Store(clone_root, s3_endpoint)
    try:
        clone.create()
        change_everything(clone)
        database, files = store.database_state(), store.files_state()
        backup = store.backup()

        clone.restore(
            backup["snapshot_id"],
            STORE_ID=store.store_id,
            RESTIC_REPOSITORY=store.repository,
            RESTIC_PASSWORD_FILE=str(store.secrets_dir / "restic-password"),
        )

        renamed = json.loads(json.dumps(database).replace(store.database, clone.database))
        assert clone.database_state() == renamed
        assert clone.files_state() == files
        clone.user_sql("INSERT INTO wp_wc_orders (id, status) VALUES (7000, 'wc-completed')")
        assert clone.user_sql("SELECT status FROM wp_order_audit WHERE order_id = 7000") == (
            "wc-completed\n"
        )
        definers = clone.user_sql(
            "SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
            "UNION ALL SELECT DEFINER FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = DATABASE()"
        )
        assert set(definers.split()) == {f"{clone.database}@%"}
    finally:
        clone.destroy()


def test_a_clone_reads_the_source_through_the_restore_jobs_source_variables(
    store: Store, tmp_path: Path, s3_endpoint: str
) -> None:
    """The chart's restore Job keeps the clone's own STORE_ID, repository and password file; the
    orchestrator sets SOURCE_REPOSITORY and SOURCE_STORE_ID, and the source's password comes from
    SOURCE_RESTIC_PASSWORD_FILE."""
    clone_root = tmp_path / "clone"
    clone_root.mkdir()
    clone = Store(clone_root, s3_endpoint)
    try:
        clone.create()
        (clone.secrets_dir / "restic-password").write_text("the clone's own restic password")
        (clone.secrets_dir / "source-restic-password").write_text(RESTIC_PASSWORD)
        files = store.files_state()
        backup = store.backup()

        result = clone.restore(
            backup["snapshot_id"][:8],
            SOURCE_REPOSITORY=store.repository,
            SOURCE_STORE_ID=store.store_id,
            SOURCE_RESTIC_PASSWORD_FILE=str(clone.secrets_dir / "source-restic-password"),
        )

        assert (result["snapshot_id"], result["store_id"]) == (
            backup["snapshot_id"],
            store.store_id,
        )
        assert clone.files_state() == files
        # Without the source's id the snapshot is refused as another store's, changing nothing.
        change_everything(clone)
        before = clone.database_state(), clone.files_state()
        run = clone.run(
            RESTORE,
            SNAPSHOT_ID=backup["snapshot_id"],
            SOURCE_REPOSITORY=store.repository,
            SOURCE_RESTIC_PASSWORD_FILE=str(clone.secrets_dir / "source-restic-password"),
        )
        assert run.code == 3, run.stdout + run.stderr
        assert f"is not a backup of store {clone.store_id}" in run.result("restore")["reason"]
        assert (clone.database_state(), clone.files_state()) == before
    finally:
        clone.destroy()


def test_the_volumes_lost_and_found_is_neither_backed_up_nor_replaced(store: Store) -> None:
    """An ext4 block volume's root holds lost+found, root's and unreadable to the Job: a backup
    leaves it out instead of failing, a restore leaves it where it is."""
    lost_and_found = store.content / "lost+found"
    lost_and_found.mkdir()
    (lost_and_found / "#1234").write_bytes(b"orphan")
    lost_and_found.chmod(0)
    try:
        files = store.files_state()
        run = store.run_without_read_override(BACKUP)
        assert run.code == 0, run.stdout + run.stderr
        snapshot_id = run.result("backup")["snapshot_id"]
        listing = store.restic("ls", snapshot_id)
        assert "lost+found" not in listing
        change_everything(store)
        run = store.run_without_read_override(RESTORE, SNAPSHOT_ID=snapshot_id)
        assert run.code == 0, run.stdout + run.stderr
        assert store.files_state() == files
        assert (lost_and_found / "#1234").read_bytes() == b"orphan"
    finally:
        lost_and_found.chmod(0o700)


def test_a_wrong_restic_password_fails_clearly_and_changes_nothing(store: Store) -> None:
    backup = store.backup()
    change_everything(store)
    database, files = store.database_state(), store.files_state()
    wrong = str(store.secrets_dir / "wrong-password")

    restore = store.run(RESTORE, SNAPSHOT_ID=backup["snapshot_id"], RESTIC_PASSWORD_FILE=wrong)
    again = store.run(BACKUP, RESTIC_PASSWORD_FILE=wrong)

    for run, task in ((restore, "restore"), (again, "backup")):
        assert run.code == 3, run.stdout + run.stderr
        assert "wrong restic password" in run.result(task)["reason"]
        assert "wrong restic password" in run.stderr
    assert store.database_state() == database
    assert store.files_state() == files
    assert [s["id"] for s in store.snapshots()] == [backup["snapshot_id"]]
    assert sorted(path.name for path in store.data_dir.iterdir()) == ["wp-content"]


def test_an_unknown_snapshot_or_one_of_another_store_changes_nothing(store: Store) -> None:
    store.backup()
    other = store.backup(STORE_ID="another-store")
    change_everything(store)
    database, files = store.database_state(), store.files_state()

    unknown = store.run(RESTORE, SNAPSHOT_ID="deadbeef")
    foreign = store.run(RESTORE, SNAPSHOT_ID=other["snapshot_id"])
    malformed = store.run(RESTORE, SNAPSHOT_ID="latest; rm -rf /")

    assert (
        unknown.code == 3 and "there is no snapshot deadbeef" in unknown.result("restore")["reason"]
    )
    assert foreign.code == 3
    assert f"is not a backup of store {store.store_id}" in foreign.result("restore")["reason"]
    assert malformed.code == 3 and "SNAPSHOT_ID must be" in malformed.result("restore")["reason"]
    assert store.database_state() == database
    assert store.files_state() == files


@pytest.mark.parametrize(
    ("dump", "with_content", "message"),
    [
        ("CREATE TABLE half_written (id INT);\n", True, "holds an incomplete database dump"),
        ("-- Dump completed\n", False, "lacks database.sql or wp-content"),
    ],
    ids=["truncated-dump", "no-wp-content"],
)
def test_a_snapshot_that_is_not_a_whole_backup_changes_nothing(
    store: Store, dump: str, with_content: bool, message: str
) -> None:
    """A snapshot of this store that a failed or foreign tool left: refused after download, and
    the downloaded files are gone again."""
    made = store.root / "made"
    (made / "wp-content").mkdir(parents=True)
    (made / "wp-content" / "index.php").write_text("<?php")
    (made / "database.sql").write_text(dump)
    store.restic("init")
    paths = ["database.sql", "wp-content"] if with_content else ["database.sql"]
    tag = f"store={store.store_id}"
    store.restic("backup", "--host", store.store_id, "--tag", tag, *paths, cwd=made)
    [snapshot] = store.snapshots()
    database, files = store.database_state(), store.files_state()

    run = store.run(RESTORE, SNAPSHOT_ID=snapshot["id"])

    assert run.code == 3, run.stdout + run.stderr
    assert message in run.result("restore")["reason"]
    assert store.database_state() == database
    assert store.files_state() == files
    assert sorted(path.name for path in store.data_dir.iterdir()) == ["wp-content"]


def test_an_unreachable_target_is_a_transient_failure_that_changes_nothing(store: Store) -> None:
    backup = store.backup()
    change_everything(store)
    database, files = store.database_state(), store.files_state()
    unreachable = f"s3:http://127.0.0.1:{free_port()}/backups/{store.store_id}"

    runs = {
        "backup": store.run(BACKUP, RESTIC_REPOSITORY=unreachable),
        "restore": store.run(
            RESTORE, SNAPSHOT_ID=backup["snapshot_id"], RESTIC_REPOSITORY=unreachable
        ),
    }

    for task, run in runs.items():
        assert run.code == 1, run.stdout + run.stderr
        reason = run.result(task)["reason"]
        assert "the backup target is unreachable" in reason and "connection refused" in reason
    assert store.database_state() == database
    assert store.files_state() == files
    assert sorted(path.name for path in store.data_dir.iterdir()) == ["wp-content"]


def test_an_unreachable_database_is_a_transient_failure_and_uploads_nothing(store: Store) -> None:
    run = store.run(BACKUP, DB_PORT=str(free_port()))

    assert run.code == 1, run.stdout + run.stderr
    assert "is unreachable" in run.result("backup")["reason"]
    assert store.snapshots() == []


def test_a_file_the_job_may_not_read_fails_the_backup_and_keeps_no_snapshot(store: Store) -> None:
    unreadable = store.content / "uploads/2026/11/private.bin"
    unreadable.write_bytes(os.urandom(1000))
    unreadable.chmod(0)

    run = store.run_without_read_override(BACKUP)

    assert run.code == 3, run.stdout + run.stderr
    reason = run.result("backup")["reason"]
    assert f"may not read {unreadable}" in reason and "nothing was kept" in reason
    assert store.snapshots() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"BACKUP_KIND": "hourly"}, "BACKUP_KIND must be scheduled or manual"),
        (dict.fromkeys(POLICY, "0"), "the retention policy keeps no snapshot"),
        ({"RETENTION_KEEP_DAILY": "-1"}, "RETENTION_KEEP_DAILY must be a whole number"),
        ({"STORE_ID": "Bad_Id"}, "STORE_ID must be a lowercase DNS label"),
        ({"RESTIC_REPOSITORY": "/var/backups"}, "RESTIC_REPOSITORY must be an S3 repository"),
        ({"DB_PASSWORD_FILE": "/nonexistent"}, "DB_PASSWORD_FILE does not name a readable file"),
        ({"AWS_SECRET_ACCESS_KEY": ""}, "AWS_SECRET_ACCESS_KEY is empty"),
        ({"DB_NAME": "x`; DROP"}, "DB_NAME must be letters"),
    ],
    ids=["kind", "keeps-nothing", "negative", "store-id", "not-s3", "no-password", "no-key", "db"],
)
def test_configuration_errors_are_permanent_and_upload_nothing(
    store: Store, overrides: dict[str, str], message: str
) -> None:
    run = store.run(BACKUP, **overrides)

    assert run.code == 3, run.stdout + run.stderr
    assert message in run.result("backup")["reason"]
    assert message in run.stderr


def test_a_refused_database_login_is_permanent(store: Store) -> None:
    (store.secrets_dir / "db-password").write_text("not the database password")

    run = store.run(BACKUP)

    assert run.code == 3, run.stdout + run.stderr
    assert f"the database refused {store.database}" in run.result("backup")["reason"]
    assert store.snapshots() == []


def restic_policy(times: list[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    """The snapshots a keep-daily/weekly/monthly policy keeps, as restic documents it: newest
    first, each rule keeps the newest snapshot of each of its last N periods (day, ISO week,
    month) that hold a snapshot."""
    rules: list[tuple[int, Callable[[datetime], tuple[int, ...]]]] = [
        (daily, lambda t: (t.year, t.month, t.day)),
        (weekly, lambda t: tuple(t.isocalendar())[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    kept = set()
    for count, period in rules:
        periods_seen: list[tuple[int, ...]] = []
        for time in sorted(times, reverse=True):
            if len(periods_seen) == count:
                break
            if period(time) not in periods_seen:
                periods_seen.append(period(time))
                kept.add(time)
    return kept


def test_retention_keeps_exactly_the_snapshots_the_policy_names(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # Fourteen months of history: nearly daily at first, some days twice, then sparser.
    ages = [timedelta(days=d, hours=h) for d, h in [(0, 2), (1, 1), (1, 9), (2, 3), (3, 5)]]
    ages += [timedelta(days=d, hours=4) for d in (6, 9, 9.5, 16, 23, 34)]
    ages += [timedelta(days=d) for d in (45, 75, 130, 190, 250, 420)]
    faked = [now - age for age in ages]
    sample = store.root / "sample"
    sample.mkdir()
    (sample / "file").write_bytes(os.urandom(64))
    store.restic("init")
    for time in faked:
        tag = f"store={store.store_id},kind=scheduled"
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        store.restic("backup", "--host", store.store_id, "--tag", tag, "--time", stamp, str(sample))
    # Another store's snapshots in the same repository are not this store's to forget.
    for days in (400, 401):
        stamp = (now - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
        store.restic(
            "backup", "--host", "other", "--tag", "store=other", "--time", stamp, str(sample)
        )

    backup = store.backup()

    latest = datetime.fromisoformat(backup["time"]).astimezone(UTC).replace(microsecond=0)
    expected = restic_policy(
        [*faked, latest],
        POLICY["RETENTION_KEEP_DAILY"],
        POLICY["RETENTION_KEEP_WEEKLY"],
        POLICY["RETENTION_KEEP_MONTHLY"],
    )
    remaining = {
        datetime.fromisoformat(s["time"]).astimezone(UTC).replace(microsecond=0)
        for s in store.snapshots()
        if s["hostname"] == store.store_id
    }
    others = [s for s in store.snapshots() if s["hostname"] == "other"]
    assert backup["retention"] == "applied"
    assert len(expected) < len(faked) + 1, "the policy must forget some of these snapshots"
    assert remaining == expected
    assert len(others) == 2
