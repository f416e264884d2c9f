"""KubeStandin: a Kubernetes API server stand-in on 127.0.0.1, running in its own thread with its
own event loop (never the test's: sync clients and helm subprocesses would deadlock against it).

    with KubeStandin() as kube:
        subprocess.run([helm, "upgrade", "--install", ..., "--kubeconfig", kube.kubeconfig])
        kube.kubelet.fail("Job", "BackoffLimitExceeded")
        kube.faults.fail_requests(2, status=500, path_contains="/secrets")
        kube.get("deployments", "store-ns", "wordpress")

`stop()` / `start()` keep the port and the stored objects, so "API unreachable, then back" can be
tested. With `state_file`, the objects are read from it at start (when it exists) and written to
it by `save_state()` and at `stop()`, so a new process carries on the same cluster.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from aiohttp import web

from kube_standin import snapshot
from kube_standin.faults import Faults
from kube_standin.kubelet import Kubelet, Mode
from kube_standin.lifecycle import NamespaceController
from kube_standin.podlogs import PodLogs
from kube_standin.registry import PROTECTED_NAMESPACES, Registry
from kube_standin.resources import NAMESPACES, find
from kube_standin.server import RequestLog, RequestRecord, build_app
from kube_standin.store import Obj, Store
from kube_standin.watches import Watches

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_KUBE_VERSION = "1.35.0"


class KubeStandin:
    def __init__(
        self,
        port: int = 0,
        *,
        kubelet: Mode = "ready",
        ready_after: float = 0.0,
        namespace_termination_seconds: float = 0.3,
        kube_version: str = DEFAULT_KUBE_VERSION,
        kubeconfig: Path | None = None,
        tick_seconds: float = 0.02,
        state_file: Path | None = None,
    ) -> None:
        self.store = Store()
        self.registry = Registry(self.store)
        self.kubelet = Kubelet(self.registry, kubelet, ready_after)
        self.namespace_controller = NamespaceController(
            self.registry, namespace_termination_seconds
        )
        self.faults = Faults()
        # What containers "wrote", served by the pod log subresource (write_log).
        self.pod_logs = PodLogs()
        self.watches = Watches(self.store)
        self._requests = RequestLog(keep=10_000)
        self.controller_errors: builtins.list[BaseException] = []
        self.kube_version = kube_version
        self.tick_seconds = tick_seconds
        self._port = port
        self._workdir = Path(tempfile.mkdtemp(prefix="kube-standin-"))
        self._kubeconfig = kubeconfig or self._workdir / "kubeconfig"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._controllers: asyncio.Task[None] | None = None
        self.state_file = state_file
        self._saved_revision = -1
        if state_file is not None and state_file.exists():
            snapshot.load(self.store, state_file)
            self.registry.resume_terminations()
            self._saved_revision = self.store.resource_version
        else:
            self._bootstrap()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> KubeStandin:
        if self._thread is not None:
            raise RuntimeError("the stand-in is already running")
        started = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run,
            args=(started, failure),
            name=f"kube-standin-{self._port}",
            daemon=True,
        )
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        self._write_kubeconfig()
        return self

    def stop(self) -> None:
        """Close the listener and every open connection/watch; state is kept (and saved to the
        state file, if there is one)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = None
        self.save_state()

    def save_state(self) -> None:
        """Write the objects to the state file when they changed since the last write."""
        revision = self.store.resource_version
        if self.state_file is None or revision == self._saved_revision:
            return
        snapshot.save(self.store, self.state_file)
        self._saved_revision = revision

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> KubeStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def kubeconfig(self) -> Path:
        """A kubeconfig (context `standin`, no auth) for helm --kubeconfig and
        kubernetes.config.load_kube_config(config_file=...)."""
        return self._kubeconfig

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def requests(self) -> builtins.list[RequestRecord]:
        """The last 10,000 requests served (method, path, query, content type, status)."""
        return list(self._requests.recent)

    @property
    def served(self) -> int:
        """How many requests were served since the stand-in was created."""
        return self._requests.served

    # -- inspection (thread-safe, returns copies) ------------------------------------------

    def get(self, kind_or_plural: str, namespace: str | None, name: str) -> Obj | None:
        resource = find(kind_or_plural)
        return self.store.get(resource, namespace or "" if resource.namespaced else "", name)

    def read(self, kind_or_plural: str, namespace: str | None, name: str) -> Obj:
        """`get` for an object the caller expects: LookupError names it when it is missing."""
        found = self.get(kind_or_plural, namespace, name)
        if found is None:
            raise LookupError(f"{kind_or_plural} {namespace or ''}/{name} does not exist")
        return found

    def list(self, kind_or_plural: str, namespace: str | None = None) -> list[Obj]:
        return self.store.items(find(kind_or_plural), namespace)

    def write_log(self, namespace: str, pod: str, container: str, text: str) -> None:
        """Append lines to a container's log, as its process would write them."""
        self.pod_logs.write(namespace, pod, container, text)

    def namespaces(self) -> builtins.list[str]:
        return [o["metadata"]["name"] for o in self.store.items(NAMESPACES)]

    def wait_for(
        self, condition: Callable[[], T], timeout: float = 30.0, interval: float = 0.02
    ) -> T:
        """Poll `condition` until it returns something truthy; TimeoutError otherwise."""
        return wait_for(condition, timeout, interval)

    # -- internals -------------------------------------------------------------------------

    def _bootstrap(self) -> None:
        for name in PROTECTED_NAMESPACES:
            self.registry.create(
                NAMESPACES, "", {"metadata": {"name": name}}, manager="kube-apiserver"
            )
        self.registry.create(
            find("storageclasses"),
            "",
            {
                "metadata": {
                    "name": "standard",
                    "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                },
                "provisioner": "rancher.io/local-path",
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate",
            },
            manager="kube-apiserver",
        )

    def _run(self, started: threading.Event, failure: builtins.list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # handed to start() in the caller's thread
            failure.append(error)
            started.set()
            loop.close()
            return
        started.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _serve(self) -> None:
        app = build_app(
            self.registry,
            self.faults,
            self._requests,
            self.watches,
            kube_version=self.kube_version,
            server_address=lambda: f"127.0.0.1:{self._port}",
            pod_logs=self.pod_logs,
        )
        runner = web.AppRunner(
            app, shutdown_timeout=1.0, handler_cancellation=True, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        address: Any = runner.addresses[0]
        self._port = int(address[1])
        self._runner = runner
        self._controllers = asyncio.get_running_loop().create_task(self._control())

    async def _shutdown(self) -> None:
        if self._controllers is not None:
            self._controllers.cancel()
            await asyncio.gather(self._controllers, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._controllers = None

    async def _control(self) -> None:
        """The cluster's control plane in one loop: namespace lifecycle, then the kubelet."""
        while True:
            for controller in (self.namespace_controller, self.kubelet):
                try:
                    controller.tick()
                except Exception as error:  # kept for the fixture to fail the test with
                    log.exception("stand-in controller %s failed", type(controller).__name__)
                    self.controller_errors.append(error)
            await asyncio.sleep(self.tick_seconds)

    def _write_kubeconfig(self) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": "standin", "cluster": {"server": self.url}}],
            "users": [{"name": "standin", "user": {}}],
            "contexts": [
                {
                    "name": "standin",
                    "context": {"cluster": "standin", "user": "standin", "namespace": "default"},
                }
            ],
            "current-context": "standin",
        }
        self._kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        self._kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))


def wait_for(condition: Callable[[], T], timeout: float = 30.0, interval: float = 0.02) -> T:
    """Poll `condition` until it returns something truthy; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)
