"""A stand-in for WP-CLI that models the WordPress state setup.sh reads and changes.

State lives in a JSON file ($FAKE_WP_STATE); the WooCommerce plugin version is read from the
plugin header on disk ($WP_CONTENT_DIR, or $WOO_PLATFORM_PLUGIN_DIR as wp-config.php makes it),
as WP-CLI does. `plugin verify-checksums` compares the files on disk with the per-file checksums
wordpress.org publishes, kept in $FAKE_UPSTREAM/checksums/<version>.json. Where WP-CLI prints a
secret (a generated admin password, or what readline echoes for --prompt), this does too, so a
test sees the leak. Every call is appended to $FAKE_WP_LOG with its arguments and standard input;
$FAKE_WP_FAIL names a command ("core install") that fails as WP-CLI does.

With $FAKE_WP_DB set, the site's database is real: a MariaDB database of that name (on
$FAKE_WP_MYSQL_HOST, a host or a socket path; root without password). Options, the
administrator and the installed and
active state then live in its tables as WordPress keeps them (wp_options, wp_users, ...), `db
query` and `db import` run the real MariaDB client, and `search-replace` rewrites every text
column of every wp_ table except the skipped ones with SQL, so the seed's SQL is exercised for
real. $FAKE_KILL_IN_IMPORT kills the calling script (SIGKILL) half-way through `db import`.
A restored database is modelled too: "home" and "siteurl" are the rows the database holds (what
files/site-identity.php reads and writes; WP-CLI's own `option get` would answer with wp-config's
WP_HOME), "posts" carry a guid and content, and `search-replace` rewrites every stored string,
serialized PHP values with their lengths, except in skipped columns.
"""

# The mariadb client has no parameter binding: values are quoted by quote(), names are the
# database's own.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

DATABASE_REVISION = "60717"
CORE_VERSION = "7.1.2"


def main(argv: list[str]) -> int:
    state_file = Path(os.environ["FAKE_WP_STATE"])
    state: dict[str, Any] = (
        json.loads(state_file.read_text())
        if state_file.exists()
        else {"installed": False, "options": {}, "active": False, "products": []}
    )
    positional = [arg for arg in argv if not arg.startswith("--")]
    flags: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            flags[name] = value
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    with open(os.environ["FAKE_WP_LOG"], "a") as log:
        log.write(json.dumps({"argv": argv, "stdin": stdin}) + "\n")
    failing = os.environ.get("FAKE_WP_FAIL", "").split()
    if failing and positional[: len(failing)] == failing:
        # A command that fails the way WP-CLI does (e.g. the database went away mid-run).
        print("Error: Error establishing a database connection.", file=sys.stderr)
        return 1
    database = os.environ.get("FAKE_WP_DB")
    if database and positional[:1] != ["db"]:
        state["options"] = DbOptions()
        state["installed"] = state["options"].get("siteurl") is not None
        state["active"] = WOOCOMMERCE in (state["options"].get("active_plugins") or [])
    try:
        if database:
            status = dispatch_db(state, positional, flags, stdin)
            if status is None:
                status = dispatch(state, positional, flags, stdin)
        else:
            status = dispatch(state, positional, flags, stdin)
    finally:
        if database:
            for derived in ("options", "installed", "active"):
                state.pop(derived, None)
        state_file.write_text(json.dumps(state))
    return status


# --- a real database ($FAKE_WP_DB) --------------------------------------------------------------

WOOCOMMERCE = "woocommerce/woocommerce.php"


def mariadb(query: str | None = None, *, stdin: str | None = None, columns: bool = False) -> str:
    """Runs SQL with the real MariaDB client in $FAKE_WP_DB; errors are WP-CLI's (exit 1)."""
    host = os.environ.get("FAKE_WP_MYSQL_HOST", "127.0.0.1")
    command = [
        "mariadb",
        f"--socket={host}" if host.startswith("/") else f"--host={host}",
        "--user",
        "root",
        "--batch",
        os.environ["FAKE_WP_DB"],
    ]
    if not columns:
        command.append("--skip-column-names")
    if query is not None:
        command += ["--execute", query]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DbError(result.stderr.strip())
    return result.stdout


class DbError(Exception):
    pass


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DbOptions:
    """wp_options as a dict: strings stored as they are, other values as JSON."""

    def get(self, name: str, default: Any = None) -> Any:
        try:
            rows = mariadb(f"SELECT option_value FROM wp_options WHERE option_name = {quote(name)}")
        except DbError:
            return default  # no wp_options table: not installed
        if not rows:
            return default
        value = rows[:-1].replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
        if value[:1] in "{[":
            return json.loads(value)
        return value

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value)
        mariadb(
            "INSERT INTO wp_options (option_name, option_value, autoload) VALUES "
            f"({quote(name)}, {quote(text)}, 'yes') "
            "ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)"
        )

    def update(self, **values: Any) -> None:
        for name, value in values.items():
            self[name] = value

    def setdefault(self, name: str, value: Any) -> Any:
        if name not in self:
            self[name] = value
        return self[name]


SCHEMA = """
CREATE TABLE wp_options (option_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  option_name VARCHAR(191) NOT NULL UNIQUE, option_value LONGTEXT NOT NULL,
  autoload VARCHAR(20) NOT NULL DEFAULT 'yes');
CREATE TABLE wp_users (ID BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_login VARCHAR(60) NOT NULL, user_pass VARCHAR(255) NOT NULL,
  user_nicename VARCHAR(50) NOT NULL, user_email VARCHAR(100) NOT NULL,
  display_name VARCHAR(250) NOT NULL);
CREATE TABLE wp_usermeta (umeta_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL, meta_key VARCHAR(255), meta_value LONGTEXT);
CREATE TABLE wp_posts (ID BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  post_title TEXT NOT NULL, post_content LONGTEXT NOT NULL, guid VARCHAR(255) NOT NULL);
"""
# What WooCommerce's activation adds (a few tables stand for its ~40).
WOOCOMMERCE_SCHEMA = """
CREATE TABLE wp_wc_orders (id BIGINT UNSIGNED PRIMARY KEY, status VARCHAR(20));
CREATE TABLE wp_woocommerce_sessions (session_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  session_key CHAR(32) NOT NULL UNIQUE, session_value LONGTEXT NOT NULL);
CREATE TABLE wp_wc_download_log (download_log_id BIGINT UNSIGNED PRIMARY KEY,
  permission_id BIGINT UNSIGNED NOT NULL,
  CONSTRAINT fk_download_user FOREIGN KEY (permission_id) REFERENCES wp_wc_orders (id));
"""


def password_hash(password: str) -> str:
    return "$fake$" + hashlib.sha256(password.encode()).hexdigest()


def user_id(login: str) -> str:
    return mariadb(f"SELECT ID FROM wp_users WHERE user_login = {quote(login)}").strip()


def dispatch_db(
    state: dict[str, Any], args: list[str], flags: dict[str, str], stdin: str
) -> int | None:
    """The commands whose effect is on the real database; None: dispatch() handles it."""
    try:
        return _dispatch_db(state, args, flags, stdin)
    except DbError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1


def _dispatch_db(
    state: dict[str, Any], args: list[str], flags: dict[str, str], stdin: str
) -> int | None:
    match args:
        case ["config", "create"]:
            assert "dbpass" in flags and stdin, "salts come on standard input"
        case ["db", "query", query]:
            print(mariadb(query, columns="skip-column-names" not in flags), end="")
        case ["db", "import", path]:
            dump = Path(path).read_text()
            if os.environ.get("FAKE_KILL_IN_IMPORT"):
                # Half the statements reach the database, then the pod dies.
                statements = dump.split(";\n")
                mariadb(stdin=";\n".join(statements[: len(statements) // 2]) + ";\n")
                os.kill(os.getppid(), signal.SIGKILL)
                return 1
            mariadb(stdin=dump)
            print(f"Success: Imported from '{path}'.")
        case ["core", "install"]:
            mariadb(SCHEMA)
            state["options"].update(admin_email=flags["admin_email"], home=flags["url"])
            # dispatch() makes the password WP-CLI prints; the same one is stored here.
            password = state["generated_password"] = secrets.token_urlsafe(12)
            mariadb(
                "INSERT INTO wp_users (user_login, user_pass, user_nicename, user_email, "
                f"display_name) VALUES ({quote(flags['admin_user'])}, "
                f"{quote(password_hash(password))}, {quote(flags['admin_user'])}, "
                f"{quote(flags['admin_email'])}, {quote(flags['admin_user'])})"
            )
            mariadb(
                "INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES "
                "(1, 'session_tokens', 'a:1:{s:64:\"build-session\";a:0:{}}')"
            )
            return None  # the options and WP-CLI's output, as without a database
        case ["plugin", "activate", "woocommerce"]:
            mariadb(WOOCOMMERCE_SCHEMA)
            options = state["options"]
            site = options["siteurl"]
            options.update(
                active_plugins=[WOOCOMMERCE],
                woocommerce_version=plugin_version(),
                woocommerce_store_id=str(uuid.uuid4()),
                woocommerce_remote_variant_assignment=str(secrets.randbelow(120) + 1),
                woocommerce_admin_install_timestamp="1790000000",
                woocommerce_email_from_address=options["admin_email"],
                # A URL as JSON writes it, and a serialized value holding one.
                woocommerce_blocks_settings=json.dumps({"shop": f"{site}/shop/"}).replace(
                    "/", "\\/"
                ),
                _transient_wc_count_comments="cached during the build",
                auth_key="a salt WordPress stored for lack of a constant",
            )
            link = f'<a href="{site}/shop/">Shop</a>'
            mariadb(
                "INSERT INTO wp_posts (post_title, post_content, guid) VALUES "
                f"('Shop', {quote(link)}, {quote(site + '/?page_id=7')})"
            )
            return None
        case ["eval-file", script] if script.endswith("/admin-login.php"):
            assert set(flags) <= {"skip-plugins", "skip-themes"}, "no secret as an argument"
            login = os.environ["WORDPRESS_ADMIN_USER"]
            wanted = password_hash(os.environ["WORDPRESS_ADMIN_PASSWORD"])
            found = user_id(login)
            if not found:
                print(f"Error: the admin user '{login}' does not exist", file=sys.stderr)
                return 1
            current = mariadb(f"SELECT user_pass FROM wp_users WHERE ID = {found}").strip()
            if current == wanted:
                print("unchanged")
            else:
                mariadb(f"UPDATE wp_users SET user_pass = {quote(wanted)} WHERE ID = {found}")
                print("updated")
        case ["eval-file", script] if script.endswith("/seed-admin.php"):
            # What files/seed-admin.php does, reading the same environment.
            assert set(flags) <= {"skip-plugins", "skip-themes"}, "no secret as an argument"
            env = os.environ
            login, email = env["WORDPRESS_ADMIN_USER"], env["WORDPRESS_ADMIN_EMAIL"]
            placeholder = user_id(env["SEED_ADMIN_USER"])
            if not placeholder:
                if user_id(login):
                    print("unchanged")
                    return 0
                print("Error: the seeded database has neither administrator", file=sys.stderr)
                return 1
            mariadb(
                f"UPDATE wp_users SET user_login = {quote(login)}, user_nicename = "
                f"{quote(login)}, display_name = {quote(login)}, user_email = {quote(email)}, "
                f"user_pass = {quote(password_hash(env['WORDPRESS_ADMIN_PASSWORD']))} "
                f"WHERE ID = {placeholder}"
            )
            mariadb(
                f"DELETE FROM wp_usermeta WHERE user_id = {placeholder} "
                "AND meta_key = 'session_tokens'"
            )
            mariadb(
                f"UPDATE wp_options SET option_value = {quote(email)} "
                f"WHERE option_value = {quote(env['SEED_ADMIN_EMAIL'])}"
            )
            print("updated")
        case ["eval-file", script] if script.endswith("/seed-files.php"):
            # WC_Install::create_files(): needs WooCommerce loaded, writes to the volume.
            assert "skip-plugins" not in flags, "WooCommerce must be loaded"
            if plugin_version() is None or WOOCOMMERCE not in (
                state["options"].get("active_plugins") or []
            ):
                print("Error: WooCommerce is not loaded", file=sys.stderr)
                return 1
            protected = Path(os.environ["WP_CONTENT_DIR"]) / "uploads" / "woocommerce_uploads"
            protected.mkdir(parents=True, exist_ok=True)
            (protected / ".htaccess").write_text("deny from all\n")
            print("created")
        case ["search-replace", old, new]:
            assert flags.get("skip-columns") == "guid" and "all-tables-with-prefix" in flags
            columns = mariadb(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name LIKE 'wp\\_%' "
                "AND data_type IN ('char', 'varchar', 'text', 'mediumtext', 'longtext')"
            )
            for line in columns.splitlines():
                table, column = line.split("\t")
                if column != "guid":
                    mariadb(
                        f"UPDATE `{table}` SET `{column}` = "
                        f"REPLACE(`{column}`, {quote(old)}, {quote(new)})"
                    )
        case _:
            return None
    return 0


def plugins_dir() -> Path:
    override = os.environ.get("WOO_PLATFORM_PLUGIN_DIR")
    return Path(override) if override else Path(os.environ["WP_CONTENT_DIR"]) / "plugins"


def plugin_file() -> Path:
    return plugins_dir() / "woocommerce" / "woocommerce.php"


def plugin_version() -> str | None:
    if not plugin_file().exists():
        return None
    match = re.search(r"Version:\s*(\S+)", plugin_file().read_text())
    return match.group(1) if match else None


def verify_checksums() -> int:
    """What `wp plugin verify-checksums woocommerce` reports: every published file present with
    its checksum, and no file added."""
    version = plugin_version()
    published_file = Path(os.environ["FAKE_UPSTREAM"]) / "checksums" / f"{version}.json"
    if version is None or not published_file.exists():
        print("Warning: Could not retrieve the checksums for plugin woocommerce.", file=sys.stderr)
        print("Error: No plugins verified (1 failed).", file=sys.stderr)
        return 1
    published: dict[str, str] = json.loads(published_file.read_text())
    root = plugin_file().parent
    on_disk = {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
    problems = [f"{name}: File is missing" for name in published if name not in on_disk]
    problems += [f"{name}: File was added" for name in on_disk - set(published)]
    problems += [
        f"{name}: Checksum does not match"
        for name in published
        if name in on_disk
        and hashlib.sha256((root / name).read_bytes()).hexdigest() != published[name]
    ]
    if problems:
        for problem in problems:
            print(f"Warning: woocommerce {problem}", file=sys.stderr)
        print("Error: No plugins verified (1 failed).", file=sys.stderr)
        return 1
    print("Success: Verified 1 of 1 plugins.")
    return 0


def admin_login(state: dict[str, Any]) -> int:
    login, password = os.environ["WORDPRESS_ADMIN_USER"], os.environ["WORDPRESS_ADMIN_PASSWORD"]
    adopt = os.environ.get("WOO_PLATFORM_ADOPT_ADMIN") == "1"
    if state.get("admin_login", login) != login:
        if not adopt:
            print(f"Error: the admin user '{login}' does not exist", file=sys.stderr)
            return 1
        state.update(
            admin_login=login,
            admin_password=password,
            admin_email=os.environ["WORDPRESS_ADMIN_EMAIL"],
        )
        print("created")
        return 0
    if adopt and state.get("admin_email") != os.environ["WORDPRESS_ADMIN_EMAIL"]:
        state["admin_email"] = os.environ["WORDPRESS_ADMIN_EMAIL"]
        print("email updated")
    if state["admin_password"] == password:
        print("unchanged")
    else:
        state["admin_password"] = password
        print("updated")
    return 0


SERIALIZED_STRING = re.compile(r's:(\d+):"(.*?)";', re.DOTALL)


def replace_in(value: Any, old: str, new: str) -> Any:
    """What `wp search-replace --precise` does to one stored value: plain strings are replaced,
    serialized PHP strings get their new byte length, nested data is walked."""
    if isinstance(value, dict):
        return {key: replace_in(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [replace_in(item, old, new) for item in value]
    if not isinstance(value, str):
        return value
    if SERIALIZED_STRING.search(value):

        def fix(match: re.Match[str]) -> str:
            text = match.group(2).replace(old, new)
            return f's:{len(text.encode())}:"{text}";'

        return SERIALIZED_STRING.sub(fix, value)
    return value.replace(old, new)


def dispatch(state: dict[str, Any], args: list[str], flags: dict[str, str], stdin: str) -> int:
    options = state["options"]
    command = tuple(args[:2])
    if (
        command != ("core", "is-installed")
        and command[0] not in ("core", "db")
        and not state["installed"]
    ):
        print("Error: The site you have requested is not installed.", file=sys.stderr)
        return 1
    match args:
        case ["core", "is-installed"]:
            return 0 if state["installed"] else 1
        case ["core", "install"]:
            if flags.get("prompt") == "admin_password":
                # PHP's readline echoes what it reads from a pipe, prompt and all.
                print(f"admin_password: {stdin.strip()}")
                password = stdin.strip()
            elif "admin_password" in flags:
                password = flags["admin_password"]
            else:
                password = state.get("generated_password") or secrets.token_urlsafe(12)
                state["generated_password"] = password
                print(f"Admin password: {password}")
            state["installed"] = True
            state["admin_password"] = password
            state["admin_login"] = flags["admin_user"]
            state["admin_email"] = flags["admin_email"]
            options.update(
                blogname=flags["title"],
                db_version=DATABASE_REVISION,
                permalink_structure="",
                siteurl=flags["url"],
                home=flags["url"],
            )
            print("Success: WordPress installed successfully.")
        case ["eval-file", script] if script.endswith("/admin-login.php"):
            # What files/admin-login.php does, reading the same environment.
            assert flags == {}, "the password must not come as an argument"
            return admin_login(state)
        case ["eval-file", script, action] if script.endswith("/site-identity.php"):
            if action == "stored-url":
                print(options["home"])
            elif action == "adopt-url":
                options["home"] = options["siteurl"] = os.environ["WORDPRESS_HOME_URL"]
                print("home and siteurl set")
            else:
                return 1
        case ["search-replace", old, new]:
            assert {"all-tables-with-prefix", "precise", "skip-columns"} <= set(flags), flags
            skipped = set(flags["skip-columns"].split(","))
            state["options"] = replace_in(options, old, new)
            state["posts"] = [
                {
                    column: value if column in skipped else replace_in(value, old, new)
                    for column, value in post.items()
                }
                for post in state.get("posts", [])
            ]
            print("Success: Made replacements.")
        case ["core", "version"]:
            if "extra" in flags:
                print(f"WordPress version: {CORE_VERSION}\nDatabase revision: {DATABASE_REVISION}")
            else:
                print(CORE_VERSION)
        case ["core", "update-db"]:
            options["db_version"] = DATABASE_REVISION
        case ["option", "get", name]:
            if name not in options:
                print(f"Error: Could not get '{name}' option.", file=sys.stderr)
                return 1
            value = options[name]
            print(
                json.dumps(value, separators=(",", ":")) if flags.get("format") == "json" else value
            )
        case ["option", "update", name, value]:
            options[name] = json.loads(value) if flags.get("format") == "json" else value
        case ["option", "pluck", name, key]:
            if key not in options.get(name, {}):
                return 1
            print(options[name][key])
        case ["plugin", "get", "woocommerce"]:
            if plugin_version() is None:
                return 1
            print(plugin_version())
        case ["plugin", "verify-checksums", "woocommerce"]:
            return verify_checksums()
        case ["plugin", "is-active", "woocommerce"]:
            return 0 if state["active"] else 1
        case ["plugin", "activate", "woocommerce"]:
            state["active"] = True
            options.setdefault("woocommerce_db_version", plugin_version())
            options.setdefault("woocommerce_checkout_page_id", "7")
        case ["cron", "event", "run"]:
            assert flags == {"due-now": ""}, flags
            state["cron_runs"] = state.get("cron_runs", 0) + 1
            print("Success: Executed a total of 0 cron events.")
        case ["action-scheduler", "run"]:
            state["action_scheduler_runs"] = state.get("action_scheduler_runs", 0) + 1
            print("Success: 0 scheduled tasks")
        case ["wc", "update"]:
            options["woocommerce_db_version"] = plugin_version()
        case ["rewrite", "structure", structure]:
            options["permalink_structure"] = structure
        case ["wc", "tool", "run", "install_pages"]:
            options["woocommerce_checkout_page_id"] = "7"
        case ["wc", "payment_gateway", "update", "cod"]:
            assert flags["enabled"] == "true"
            cod = options.get("woocommerce_cod_settings") or {}
            options["woocommerce_cod_settings"] = {**cod, "enabled": "yes"}
        case ["wc", "product", "list"]:
            for product in state["products"]:
                if product["sku"] == flags["sku"]:
                    print(product["id"])
        case ["wc", "product", "create"]:
            state["products"].append(
                {
                    "id": 100 + len(state["products"]),
                    "sku": flags["sku"],
                    "name": flags["name"],
                    "virtual": flags["virtual"],
                }
            )
        case _:
            print(f"fake wp: unknown command {args}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
