"""The audit trail: every call that changes something, and every read of a secret."""
