# The two commands a newcomer needs: `make run` starts the platform, `make test` runs every test.
.PHONY: run test setup lint typecheck pytest dashboard-check e2e bench api-client

run:
	scripts/run-platform.sh

test:
	scripts/setup.sh
	scripts/test.sh

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
