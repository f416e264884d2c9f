"""The helm CLI, wrapped: a command runner (argv exec) and a client with the operations we mean."""
