"""Store versions: the catalogue of what a store can run, and changing a store's plan or version."""
