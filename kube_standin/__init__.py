"""A Kubernetes API server stand-in: real HTTP, real clients, real helm. It serves the demo mode,
the benchmarks and the browser tests, and the lifecycle tests of the orchestrator."""

from kube_standin.failures import Failure
from kube_standin.kubelet import Kubelet
from kube_standin.standin import KubeStandin

__all__ = ["Failure", "KubeStandin", "Kubelet"]
