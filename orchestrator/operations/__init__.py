"""The platform's own endpoints: liveness, readiness, metrics and the settings a client needs."""
