"""What tests and benchmarks run the platform with: free ports, temporary PostgreSQL databases,
the orchestrator in-process or as its own process, the Kubernetes API stand-in as a fixture or a
process, and waiting for a store to reach a status. Not installed with the project."""
