"""The store domain: HTTP routes, request/response schemas, rules and queries."""
