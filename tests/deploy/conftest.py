"""Fixtures for the tests of what ships: the image, the platform chart, its RBAC, the workflows.

The Kubernetes API stand-in is imported here and nowhere else in this folder."""

from __future__ import annotations

from tests.k8s.fixtures import kube_standin

__all__ = ["kube_standin"]
