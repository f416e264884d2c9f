"""Driving stores to their desired state: the reconciler loop and its idempotent steps."""
