"""A Kubernetes API server stand-in for tests: real HTTP, real clients, real helm."""

from tests.k8s.failures import Failure
from tests.k8s.kubelet import Kubelet
from tests.k8s.standin import KubeStandin

__all__ = ["Failure", "KubeStandin", "Kubelet"]
