"""Where ``woo`` finds the platform and its token: flags, then the environment (``WOO_URL``,
``WOO_TOKEN``), then a config file (``WOO_CONFIG`` or ``~/.config/woo/config.toml``):

    url = "https://platform.example.com"
    token = "woo_..."

The token is never taken from a flag, which would show it in the process list and the shell's
history."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"


class ConfigError(Exception):
    """The configuration cannot be used; the message says why and where."""


@dataclass(frozen=True)
class CliConfig:
    url: str
    token: str | None


def config_path(environ: dict[str, str]) -> Path:
    if environ.get("WOO_CONFIG"):
        return Path(environ["WOO_CONFIG"])
    base = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "woo" / "config.toml"


def load_config(url_flag: str | None, environ: dict[str, str] | None = None) -> CliConfig:
    environ = dict(os.environ) if environ is None else environ
    path = config_path(environ)
    from_file: dict[str, object] = {}
    if path.is_file():
        try:
            from_file = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"cannot read {path}: {error}") from None
        unknown = sorted(set(from_file) - {"url", "token"})
        if unknown:
            raise ConfigError(f"{path}: unknown keys {', '.join(unknown)} (known: url, token)")
        for key in ("url", "token"):
            if key in from_file and not isinstance(from_file[key], str):
                raise ConfigError(f"{path}: {key} must be a string")
    elif environ.get("WOO_CONFIG"):
        raise ConfigError(f"WOO_CONFIG names {path}, which is not a file")
    url = url_flag or environ.get("WOO_URL") or str(from_file.get("url") or DEFAULT_URL)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"the platform URL must start with http:// or https://, not {url!r}")
    token = environ.get("WOO_TOKEN") or from_file.get("token")
    return CliConfig(url=url.rstrip("/"), token=str(token) if token else None)
