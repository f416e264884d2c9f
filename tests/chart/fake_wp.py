"""A stand-in for WP-CLI that models the WordPress state setup.sh reads and changes.

State lives in a JSON file ($FAKE_WP_STATE); the WooCommerce plugin version is read from the
plugin header on disk ($WP_CONTENT_DIR, or $WOO_PLATFORM_PLUGIN_DIR as wp-config.php makes it),
as WP-CLI does. `plugin verify-checksums` compares the files on disk with the per-file checksums
wordpress.org publishes, kept in $FAKE_UPSTREAM/checksums/<version>.json. Where WP-CLI prints a
secret (a generated admin password, or what readline echoes for --prompt), this does too, so a
test sees the leak. Every call is appended to $FAKE_WP_LOG with its arguments and standard input;
$FAKE_WP_FAIL names a command ("core install") that fails as WP-CLI does.

A restored database is modelled too: "home" and "siteurl" are the rows the database holds (what
files/site-identity.php reads and writes; WP-CLI's own `option get` would answer with wp-config's
WP_HOME), "posts" carry a guid and content, and `search-replace` rewrites every stored string,
serialized PHP values with their lengths, except in skipped columns.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
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
    try:
        status = dispatch(state, positional, flags, stdin)
    finally:
        state_file.write_text(json.dumps(state))
    return status


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
    if command != ("core", "is-installed") and command[0] != "core" and not state["installed"]:
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
                password = secrets.token_urlsafe(12)
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
            print(f"WordPress version: {CORE_VERSION}\nDatabase revision: {DATABASE_REVISION}")
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
            options.setdefault("woocommerce_cod_settings", {})["enabled"] = "yes"
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
