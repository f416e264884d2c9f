"""The docroot preparation the chart runs (files/prepare-docroot.sh, as rendered into the
WordPress ConfigMap), run as uid/gid 33 against directories owned and moded like the pod's
volumes: the emptyDir docroot (root, group 33 through fsGroup, mode 2777) and the wp-content
volume (root, 0777, like a local-path PVC), with a WordPress-shaped stand-in for
/usr/src/wordpress owned by www-data as in the official image."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.chart.conftest import Manifest

WWW_DATA = 33
SETPRIV = shutil.which("setpriv")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None,
    reason="needs root and setpriv: the test creates root-owned volumes as in the pod and runs "
    "the preparation as uid 33 on them",
)

# The official image's copy (docker-library/wordpress, docker-entrypoint.sh) as it runs for a
# non-root user: the step this chart no longer relies on.
ENTRYPOINT_COPY = (
    'set -o pipefail; tar --create --file - --directory "$DOCROOT_SOURCE" --owner 33 --group 33 .'
    " | tar --extract --file - --no-overwrite-dir"
)


def own(path: Path, uid: int, gid: int, mode: int) -> None:
    """Sets owner and mode the way the kubelet, a provisioner or the image left them."""
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def write(path: Path, text: str) -> None:
    """A file and the directories it needs, owned by uid 33 as WordPress or WP-CLI made them."""
    missing = [parent for parent in path.parents if not parent.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for created in [*missing, path]:
        os.chown(created, WWW_DATA, WWW_DATA)


@dataclass
class Pod:
    """The volumes of a WordPress or setup Job pod, the image's WordPress and the script."""

    root: Path
    script: Path

    @property
    def source(self) -> Path:
        return self.root / "usr-src-wordpress"

    @property
    def docroot(self) -> Path:
        return self.root / "html"

    @property
    def content(self) -> Path:
        return self.docroot / "wp-content"

    @property
    def bundled(self) -> Path:
        return self.root / "bundled"

    def build(self) -> None:
        self.build_image_source()
        # emptyDir: created by the kubelet as root; fsGroup 33 makes it group 33 and setgid.
        for empty_dir in (self.docroot, self.bundled):
            empty_dir.mkdir()
            own(empty_dir, 0, WWW_DATA, 0o2777)
        # A local-path PVC: a root-owned 0777 directory, mounted over docroot/wp-content.
        self.content.mkdir()
        own(self.content, 0, 0, 0o777)

    def build_image_source(self) -> None:
        source = self.source
        write(source / "index.php", "<?php // WordPress front controller\n")
        write(source / "wp-includes" / "version.php", "<?php $wp_version = '7.1.2';\n")
        write(source / ".htaccess", "# BEGIN WordPress\n")
        write(source / "wp-config-docker.php", "<?php // docker config\n")
        write(source / "wp-content" / "index.php", "<?php // Silence is golden.\n")
        write(source / "wp-content" / "plugins" / "hello.php", "<?php // Hello Dolly\n")
        write(
            source / "wp-content" / "plugins" / "akismet" / "akismet.php", "akismet 5.5 (image)\n"
        )
        write(source / "wp-content" / "themes" / "twentytwentyfive" / "style.css", "tt5 (image)\n")

    def bundle_woocommerce(self, version: str) -> None:
        plugin = self.source / "wp-content" / "plugins" / "woocommerce"
        write(plugin / "woocommerce.php", f"<?php\n/**\n * Version: {version}\n */\n")
        write(plugin / "includes" / "class-woocommerce.php", "<?php // core of the plugin\n")

    def run_as_www_data(self, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        assert SETPRIV is not None
        return subprocess.run(
            [
                SETPRIV,
                "--reuid",
                str(WWW_DATA),
                "--regid",
                str(WWW_DATA),
                "--clear-groups",
                *command,
            ],
            env={
                "PATH": os.environ["PATH"],
                "DOCROOT": str(self.docroot),
                "DOCROOT_SOURCE": str(self.source),
                "BUNDLED_DIR": str(self.bundled),
                "HOSTNAME": "store-wordpress-7c9d8-x2x4k",
                **env,
            },
            cwd=self.docroot,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def prepare(self, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run_as_www_data(["bash", str(self.script), *command], **env)


@pytest.fixture(scope="module")
def rendered_script(rendered: Callable[[str], Manifest]) -> str:
    config = rendered("local").one("ConfigMap", "store-wordpress-config")
    script: str = config["data"]["prepare-docroot.sh"]
    return script


@pytest.fixture
def pod(rendered_script: str) -> Iterator[Pod]:
    # Not pytest's tmp_path: its parents are private to root, and uid 33 must reach the files.
    root = Path(tempfile.mkdtemp(prefix="woo-docroot-"))
    own(root, 0, 0, 0o755)
    script = root / "prepare-docroot.sh"
    script.write_text(rendered_script)
    script.chmod(0o644)
    pod = Pod(root=root, script=script)
    pod.build()
    yield pod
    shutil.rmtree(root)


def mode_and_owner(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_mode & 0o7777, status.st_uid, status.st_gid


def leftovers(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if ".copy-" in path.name]


def succeed(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_entrypoints_tar_copy_fails_on_the_pods_volumes(pod: Pod) -> None:
    """The bug the chart works around: GNU tar chmods the existing directories it does not own."""
    result = pod.run_as_www_data(["bash", "-c", ENTRYPOINT_COPY])
    assert result.returncode != 0
    assert "Cannot change mode" in result.stderr


def test_the_same_tar_copy_works_when_uid_33_owns_the_directories(pod: Pod) -> None:
    """Ownership alone makes the difference, so the fixture reproduces the pod faithfully."""
    os.chown(pod.docroot, WWW_DATA, WWW_DATA)
    os.chown(pod.content, WWW_DATA, WWW_DATA)
    succeed(pod.run_as_www_data(["bash", "-c", ENTRYPOINT_COPY]))


def test_prepares_a_new_docroot_as_uid_33(pod: Pod) -> None:
    succeed(pod.prepare())
    for relative in (
        "index.php",
        "wp-includes/version.php",
        ".htaccess",
        "wp-config-docker.php",
        "wp-content/index.php",
        "wp-content/plugins/hello.php",
        "wp-content/plugins/akismet/akismet.php",
        "wp-content/themes/twentytwentyfive/style.css",
    ):
        assert (pod.docroot / relative).read_text() == (pod.source / relative).read_text()
        assert (pod.docroot / relative).stat().st_uid == WWW_DATA
    # The volumes keep the kubelet's owner and mode: nothing tried to change them.
    assert mode_and_owner(pod.docroot) == (0o2777, 0, WWW_DATA)
    assert mode_and_owner(pod.content) == (0o777, 0, 0)
    assert leftovers(pod.docroot) == []


def test_a_restarted_container_prepares_the_same_docroot_again(pod: Pod) -> None:
    succeed(pod.prepare())
    (pod.docroot / "wp-includes" / "version.php").write_text("half-copied")
    succeed(pod.prepare())
    assert (pod.docroot / "wp-includes" / "version.php").read_text() == (
        pod.source / "wp-includes" / "version.php"
    ).read_text()


def test_an_existing_store_keeps_its_plugins_themes_and_uploads(pod: Pod) -> None:
    """An upgrade (new image) or a second pod: what is on the volume is never replaced."""
    akismet = pod.content / "plugins" / "akismet"
    write(akismet / "akismet.php", "akismet 6.0 (updated by the store)\n")
    write(pod.content / "uploads" / "2026" / "logo.png", "png")
    write(pod.content / "plugins" / "hello.php", "hello, edited\n")
    succeed(pod.prepare())
    assert (akismet / "akismet.php").read_text() == "akismet 6.0 (updated by the store)\n"
    assert (pod.content / "plugins" / "hello.php").read_text() == "hello, edited\n"
    assert (pod.content / "uploads" / "2026" / "logo.png").read_text() == "png"
    # What the volume lacks still comes from the image.
    theme = pod.content / "themes" / "twentytwentyfive" / "style.css"
    assert theme.read_text() == "tt5 (image)\n"
    assert leftovers(pod.content) == []


def test_the_wordpress_container_runs_its_command_in_the_prepared_docroot(pod: Pod) -> None:
    """The Deployment passes the image's entrypoint and command, which find WordPress in place."""
    result = pod.prepare("bash", "-c", "pwd; test -f index.php && test -f wp-includes/version.php")
    succeed(result)
    assert result.stdout.strip() == str(pod.docroot)


def test_a_prebuilt_image_seeds_woocommerce_and_hands_it_to_the_setup_container(pod: Pod) -> None:
    pod.bundle_woocommerce("11.2.0")
    succeed(pod.prepare(WOOCOMMERCE_SOURCE="image"))
    for relative in ("woocommerce.php", "includes/class-woocommerce.php"):
        image_copy = (pod.source / "wp-content" / "plugins" / "woocommerce" / relative).read_text()
        assert (pod.bundled / "woocommerce" / relative).read_text() == image_copy
        assert (pod.content / "plugins" / "woocommerce" / relative).read_text() == image_copy
    assert mode_and_owner(pod.bundled) == (0o2777, 0, WWW_DATA)


def test_a_prebuilt_image_upgrade_leaves_the_volumes_woocommerce_to_the_setup_job(pod: Pod) -> None:
    write(pod.content / "plugins" / "woocommerce" / "woocommerce.php", " * Version: 11.1.0\n")
    pod.bundle_woocommerce("11.2.0")
    succeed(pod.prepare(WOOCOMMERCE_SOURCE="image"))
    assert "11.1.0" in (pod.content / "plugins" / "woocommerce" / "woocommerce.php").read_text()
    assert "11.2.0" in (pod.bundled / "woocommerce" / "woocommerce.php").read_text()


def test_setup_seed_hands_the_images_seed_to_the_setup_container_only(pod: Pod) -> None:
    """setup.seed: the seed goes to /bundled/seed, never into the docroot (served) or the volume."""
    seed = pod.root / "usr-src-woo-platform-seed"
    for name, text in {"seed.sql": "-- dump\n", "seed.manifest": "SEED_FORMAT=1\n"}.items():
        write(seed / name, text)
    succeed(pod.prepare(SETUP_SEED="true", SEED_SOURCE=str(seed)))
    assert (pod.bundled / "seed" / "seed.sql").read_text() == "-- dump\n"
    assert (pod.bundled / "seed" / "seed.manifest").read_text() == "SEED_FORMAT=1\n"
    served = [path.name for path in pod.docroot.rglob("*")]
    assert "seed.sql" not in served and "seed.manifest" not in served


def test_setup_seed_with_an_image_without_a_seed_is_no_error(pod: Pod) -> None:
    """setup.sh reports the missing seed and installs the normal way."""
    result = pod.prepare(SETUP_SEED="true", SEED_SOURCE=str(pod.root / "no-seed"))
    succeed(result)
    assert "the WordPress image has no" in result.stderr
    assert not (pod.bundled / "seed").exists()


def read_only_for_www_data(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    own(path, 0, 0, 0o755)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda pod: read_only_for_www_data(pod.docroot), "html is not a directory that uid 33"),
        (lambda pod: read_only_for_www_data(pod.content), "wp-content is not a directory"),
        (
            lambda pod: read_only_for_www_data(pod.content / "plugins"),
            "plugins is not a directory that uid 33",
        ),
        (
            lambda pod: (pod.source / "wp-includes" / "version.php").unlink(),
            "holds no WordPress",
        ),
    ],
    ids=["docroot-not-writable", "content-not-writable", "plugins-not-writable", "no-wordpress"],
)
def test_failures_no_retry_can_heal_exit_3(
    pod: Pod, breakage: Callable[[Pod], object], message: str
) -> None:
    breakage(pod)
    result = pod.prepare("bash", "-c", "echo started")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "[docroot] cannot prepare the docroot: " in result.stderr
    assert message in result.stderr
    assert "started" not in result.stdout


def test_a_prebuilt_image_without_woocommerce_exits_3(pod: Pod) -> None:
    result = pod.prepare(WOOCOMMERCE_SOURCE="image")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "woocommerce.source is 'image' but the WordPress image has no" in result.stderr
    assert not (pod.bundled / "woocommerce").exists()


def test_an_unexpected_copy_failure_is_retryable_and_names_the_step(pod: Pod) -> None:
    """Anything not known to be permanent (here an unreadable file) exits 1: the Job retries."""
    unreadable = pod.source / "wp-includes" / "version.php"
    own(unreadable, 0, 0, 0o600)
    result = pod.prepare()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[docroot] failed (line " in result.stderr
    assert "Permission denied" in result.stderr


def test_a_plugin_another_pod_copied_meanwhile_is_kept(pod: Pod) -> None:
    """The WordPress pod and the setup Job seed a new volume at the same time. Here cp (the
    process edge) lets the other pod finish akismet between this pod's check and its rename:
    this pod drops its own copy and leaves the other's in place."""
    real_cp = shutil.which("cp")
    bin_dir = pod.root / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "cp"
    wrapper.write_text(
        f"""#!/bin/bash
"{real_cp}" "$@" || exit
target="${{!#}}"
case "$target" in
*/.akismet.copy-*)
	mkdir "${{target%/*}}/akismet"
	echo "akismet (the other pod)" > "${{target%/*}}/akismet/akismet.php" ;;
esac
"""
    )
    wrapper.chmod(0o755)
    succeed(pod.prepare(PATH=f"{bin_dir}:{os.environ['PATH']}"))
    akismet = pod.content / "plugins" / "akismet"
    assert (akismet / "akismet.php").read_text() == "akismet (the other pod)\n"
    assert sorted(path.name for path in akismet.iterdir()) == ["akismet.php"]
    assert leftovers(pod.content) == []
