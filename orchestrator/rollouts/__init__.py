"""Fleet rollouts: one version to many stores, in waves, halting on failures."""
