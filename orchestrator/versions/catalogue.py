"""The catalogue of versions a store can run: a name -> the WordPress and WooCommerce it serves
and the store chart that installs it.

Built in: one version, what the environments' values files pin. A YAML file (WOO_VERSIONS_FILE)
replaces the catalogue:

    "2026.12":
      wordpress: "7.2.0"          # shown in the API
      woocommerce: "11.3.0"       # woocommerce.version (the setup Job installs or checks it)
      chart: "0.1.0"              # the chart's version; checked against chart_path's Chart.yaml
      image:                      # wordpress.image: one for every environment, or per environment
        local: woo-platform/wordpress-woocommerce:7.2.0-php8.3-apache-wc11.3.0
        prod: wordpress:7.2.0-php8.3-apache
      chart_path: /charts/woocommerce-0.1.0   # optional; WOO_CHART_PATH when left out

Without ``image`` the environment's values file decides the image, as for stores created
before versions existed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.plans import CatalogueError, read_mapping

VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:-]*:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
BUILT_IN_NAME = "7.1.2-wc11.2.0"


class Version(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    wordpress: str = Field(min_length=1, max_length=64)
    woocommerce: str = Field(min_length=1, max_length=64, pattern=r"^[0-9][0-9A-Za-z.-]*$")
    chart: str = Field(min_length=1, max_length=64)
    image: str | dict[str, str] | None = None
    chart_path: Path | None = None

    def image_for(self, environment: str) -> str | None:
        if isinstance(self.image, dict):
            return self.image.get(environment)
        return self.image

    def chart_values(self, environment: str) -> dict[str, Any]:
        values: dict[str, Any] = {"woocommerce": {"version": self.woocommerce}}
        image = self.image_for(environment)
        if image is not None:
            repository, _, tag = image.rpartition(":")
            values["wordpress"] = {"image": {"repository": repository, "tag": tag}}
        return values


def load_versions(path: Path | None, default_chart: Path) -> dict[str, Version]:
    """The catalogue: the file's, whose every entry's chart must exist and carry the version
    the entry names; or the built-in one version."""
    if path is None:
        # What the values files pin. The chart is whatever WOO_CHART_PATH holds: a missing chart
        # is /readyz's to report (the service still starts), so it is not checked here.
        try:
            pinned_chart = chart_version(default_chart)
        except CatalogueError:
            pinned_chart = "unknown"
        return {
            BUILT_IN_NAME: Version(
                name=BUILT_IN_NAME, wordpress="7.1.2", woocommerce="11.2.0", chart=pinned_chart
            )
        }
    documents = read_mapping(path, "versions")
    versions: dict[str, Version] = {}
    for name, document in documents.items():
        name = str(name)
        if not VERSION_NAME.match(name):
            raise CatalogueError(f"version name {name!r} must match {VERSION_NAME.pattern}")
        if not isinstance(document, dict):
            raise CatalogueError(f"version {name!r} must be a mapping")
        try:
            version = Version(name=name, **document)
        except (ValidationError, TypeError) as exc:
            raise CatalogueError(f"version {name!r}: {_first_error(exc)}") from None
        images = version.image.values() if isinstance(version.image, dict) else [version.image]
        for image in images:
            if image is not None and not IMAGE.match(image):
                raise CatalogueError(f"version {name!r}: image {image!r} is not repository:tag")
        chart = version.chart_path or default_chart
        found = chart_version(chart)
        if found != version.chart:
            raise CatalogueError(
                f"version {name!r} names chart {version.chart}, but {chart} is chart {found}"
            )
        versions[name] = version
    return versions


def chart_version(chart: Path) -> str:
    try:
        metadata = yaml.safe_load((chart / "Chart.yaml").read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"cannot read {chart / 'Chart.yaml'}: {exc}") from None
    return str((metadata or {}).get("version", ""))


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc)
