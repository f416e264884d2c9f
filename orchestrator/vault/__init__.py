"""A client of a Vault-compatible KV v2 secrets engine (HashiCorp Vault, OpenBao)."""
