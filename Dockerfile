# syntax=docker/dockerfile:1
# The platform's image: the orchestrator (API + reconciler) serving the built dashboard, with the
# pinned helm binary, the store chart and the environment values files it installs stores with.
#
#   docker build -t woo-platform:dev .
#   docker run --rm -p 8000:8000 -e WOO_DATABASE_URL=postgresql://... \
#     -v ~/.kube/config:/kube/config:ro -e WOO_KUBECONFIG=/kube/config woo-platform:dev
#   (in a cluster: helm/platform, which uses the pod's service account instead)
#
# Every RUN works from relative paths and the ENV below, and everything the stages create lives
# under /src, /opt or /app: tests/deploy/test_image.py replays these instructions in a temporary
# directory on each test run, so the recipe cannot rot unseen on machines without Docker.

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- 1. the dashboard: Node builds static assets; nothing of Node reaches the final image ------
FROM node:20.19.5-bookworm-slim AS dashboard
WORKDIR /src/dashboard
COPY dashboard/package.json dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY dashboard/ ./
RUN npm run build

# --- 2. the Python side: a wheel of the orchestrator, installed into a fresh venv; helm --------
FROM ${PYTHON_IMAGE} AS python
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VENV=/opt/venv \
    HELM_DIR=/opt/helm
WORKDIR /src
COPY pyproject.toml README.md ./
COPY orchestrator/ orchestrator/
COPY scripts/install_helm.py scripts/install_helm.py
RUN python -m pip wheel --no-deps --wheel-dir wheels . \
 && python -m venv --without-pip "$VENV" \
 && python -m pip --python "$VENV/bin/python" install --only-binary=:all: wheels/*.whl \
 && python scripts/install_helm.py --dest "$HELM_DIR/bin"

# --- 3. the runtime: slim base, no compilers, no caches, no npm; a non-root numeric user ------
FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="woo-platform" \
      org.opencontainers.image.description="WooCommerce stores on demand, on Kubernetes: orchestrator API, reconciler and dashboard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# Settings the image fixes (paths inside it); everything else stays a WOO_* variable of the
# deployment. /tmp is the one writable path (an emptyDir under a read-only root filesystem).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WOO_HOST=0.0.0.0 \
    WOO_PORT=8000 \
    WOO_HELM_BIN=/opt/helm/bin/helm \
    WOO_CHART_PATH=/app/helm/woocommerce \
    WOO_VALUES_DIR=/app \
    WOO_DASHBOARD_DIR=/app/dashboard \
    WOO_DATA_DIR=/tmp/woo-platform \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data

COPY --from=python /opt/venv /opt/venv
COPY --from=python /opt/helm/bin/helm /opt/helm/bin/helm
COPY --from=dashboard /src/dashboard/dist /app/dashboard
COPY helm/woocommerce /app/helm/woocommerce
COPY values-local.yaml values-prod.yaml /app/

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WOO_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["python", "-m", "orchestrator"]
