# The two commands a newcomer needs: `make run` starts the platform, `make test` runs every test.
# `make cluster` deploys the platform on a local kind cluster; `make cluster-down` removes it.
.PHONY: run test cluster cluster-down setup lint typecheck pytest dashboard-check e2e bench api-client audit

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
	.venv/bin/python -m pytest -n 4 --dist loadfile

api-client:
	cd dashboard && npm run gen:api

bench:
	.venv/bin/python -m bench

# Known vulnerabilities in the Python packages the venv really has (pip freeze: the exact
# versions installed, i.e. the lock) and in the dashboard's runtime npm packages. Needs the
# advisory services (PyPI's and npm's); the GitHub workflow runs it.
audit:
	.venv/bin/python -m pip install --quiet pip-audit==2.10.1
	.venv/bin/python -m pip freeze --exclude-editable | grep -v '^woo-platform' > .tools/python-locked.txt
	.venv/bin/pip-audit --strict --no-deps --disable-pip -r .tools/python-locked.txt
	cd dashboard && npm audit --omit=dev
