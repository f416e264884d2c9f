"""Replays the Dockerfile without Docker: each stage gets its own directory standing for its root
filesystem, and its instructions run there with the host's Python and Node standing for the base
images. The image recipe is executed as written (its RUN commands verbatim, only the image paths
moved under the stage's directory), so a broken build step fails a test on any machine.

The Dockerfile keeps to what can be replayed this way: everything a stage creates lives under
``IMAGE_ROOTS`` and RUN commands use relative paths or those roots.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_ROOTS = ("/app", "/opt", "/src")
_ROOTED = re.compile(r"(?<![\w./-])(/(?:app|opt|src))(?=/|\b)")
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
# Instructions that describe the image (metadata, runtime user) and change nothing on disk.
_METADATA = {"LABEL", "USER", "EXPOSE"}


class ReplayError(AssertionError):
    """The Dockerfile does something the replay cannot reproduce, or a step failed."""


@dataclass
class Stage:
    name: str
    root: Path
    env: dict[str, str]
    workdir: Path
    healthcheck: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)

    def rooted(self, text: str) -> str:
        """Move the image paths in ``text`` under this stage's directory."""
        return _ROOTED.sub(lambda m: str(self.root) + m.group(1), text)


def instructions(dockerfile: Path) -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comments dropped."""
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        yield keyword.upper(), arguments.strip()


def context_files(context: Path) -> list[Path]:
    """The build context as Docker sends it: every file that .dockerignore does not exclude."""
    rules = []
    for line in (context / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        keep = pattern.startswith("!")
        rules.append((keep, _pattern(pattern.lstrip("!").strip("/"))))
    files = []
    for dirpath, dirnames, filenames in os.walk(context):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            relative = (Path(dirpath) / name).relative_to(context).as_posix()
            if _included(relative, rules):
                files.append(Path(relative))
    return files


def _pattern(glob: str) -> re.Pattern[str]:
    translated = re.escape(glob).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.compile(translated.replace(r"\?", "[^/]"))


def _included(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for keep, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            included = keep
    return included


class Replay:
    """Runs a Dockerfile's stages in ``workspace``; ``final`` is the last stage."""

    def __init__(self, dockerfile: Path, context: Path, workspace: Path, base_env: dict[str, str]):
        self.dockerfile = dockerfile
        self.context = context
        self.workspace = workspace
        self.base_env = base_env
        self.stages: dict[str, Stage] = {}
        self._context_files = context_files(context)

    def run(self, timeout: float) -> Stage:
        """Replays every stage in order and returns the last one (the image)."""
        stage: Stage | None = None
        for keyword, arguments in instructions(self.dockerfile):
            if keyword == "ARG" and stage is None:
                continue  # a global build argument only feeds FROM lines
            if keyword == "FROM":
                stage = self._start_stage(arguments, len(self.stages))
            elif stage is None:
                raise ReplayError(f"{keyword} before FROM")
            elif keyword in _METADATA:
                continue
            elif keyword == "ARG":
                # Inside a stage a build argument is an environment variable of its RUNs.
                name, _, default = arguments.partition("=")
                stage.env.setdefault(name, default)
            elif keyword == "WORKDIR":
                stage.workdir = Path(self._image_path(stage, arguments))
                stage.workdir.mkdir(parents=True, exist_ok=True)
            elif keyword == "ENV":
                for assignment in shlex.split(arguments):
                    name, _, value = assignment.partition("=")
                    stage.env[name] = stage.rooted(_expand(value, stage.env))
            elif keyword == "COPY":
                self._copy(stage, shlex.split(arguments))
            elif keyword == "RUN":
                self._run(stage, arguments, timeout)
            elif keyword == "HEALTHCHECK":
                stage.healthcheck = _exec_form(arguments.split(" CMD ", 1)[1])
            elif keyword == "ENTRYPOINT":
                stage.entrypoint = _exec_form(arguments)
            else:
                raise ReplayError(f"the replay does not know {keyword}; teach it or avoid it")
        if stage is None:
            raise ReplayError("no FROM in the Dockerfile")
        return stage

    def _start_stage(self, arguments: str, index: int) -> Stage:
        words = arguments.split()
        name = words[2] if len(words) == 3 and words[1].upper() == "AS" else f"stage{index}"
        root = self.workspace / name
        root.mkdir(parents=True)
        stage = Stage(name, root, dict(self.base_env), root)
        self.stages[name] = stage
        return stage

    def _image_path(self, stage: Stage, path: str) -> str:
        if not path.startswith("/"):
            return str(stage.workdir / path)
        if not path.startswith(IMAGE_ROOTS):
            raise ReplayError(f"{path}: images paths must be under {IMAGE_ROOTS} to be replayed")
        return stage.rooted(path)

    def _copy(self, stage: Stage, words: list[str]) -> None:
        source_stage = None
        if words[0].startswith("--from="):
            source_stage = self.stages[words[0].removeprefix("--from=")]
            words = words[1:]
        *sources, destination = words
        target = self._image_path(stage, destination)
        for source in sources:
            if source_stage is not None:
                self._copy_path(Path(source_stage.rooted(source)), target, destination)
            else:
                self._copy_context(source.rstrip("/"), target, destination)

    def _copy_context(self, source: str, target: str, destination: str) -> None:
        chosen = [f for f in self._context_files if f.as_posix() == source]
        if chosen:  # a single file
            self._copy_path(self.context / source, target, destination)
            return
        below = [f for f in self._context_files if f.as_posix().startswith(source + "/")]
        if not below:
            raise ReplayError(f"COPY {source}: not in the build context (.dockerignore?)")
        for relative in below:
            inside = relative.relative_to(source)
            copied = Path(target) / inside
            copied.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.context / relative, copied)

    @staticmethod
    def _copy_path(source: Path, target: str, destination: str) -> None:
        if destination.endswith("/") and not source.is_dir():
            target = str(Path(target) / source.name)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)

    @staticmethod
    def _run(stage: Stage, command: str, timeout: float) -> None:
        result = subprocess.run(
            ["/bin/sh", "-c", stage.rooted(command)],
            cwd=stage.workdir,
            env=stage.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ReplayError(
                f"RUN {command}\nin stage {stage.name} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )


def _expand(value: str, env: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), value)


def _exec_form(arguments: str) -> list[str]:
    words = json.loads(arguments)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ReplayError(f"expected the exec (JSON) form, got {arguments}")
    return words
