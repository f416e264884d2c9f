# The two commands a newcomer needs: `make run` starts the platform, `make test` runs every test.
# `make cluster` deploys the platform on a local kind cluster; `make cluster-down` removes it.
.PHONY: run test cluster cluster-down setup lint typecheck pytest dashboard-check e2e bench api-client

run:
	scripts/run-platform.sh

test:
	scripts/setup.sh
	scripts/test.sh

cluster:
	scripts/kind/cluster-up.sh

cluster-down:
	scripts/kind/cluster-down.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

typecheck:
	.venv/bin/mypy

pytest:
	.venv/bin/python -m pytest

api-client:
	cd dashboard && npm run gen:api

bench:
	.venv/bin/python -m bench
