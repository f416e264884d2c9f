"""The Kubernetes API as the orchestrator needs it; the only package importing ``kubernetes``."""
