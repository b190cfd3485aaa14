# The sbkube-ci image behind action.yml and .gitlab-ci-template.yml.

# The render worker (tools/render-worker): helm.sh/helm/v4 v4.3.1 compiled in, every module
# pinned by go.sum. helm 4.3 needs Go 1.26, which Debian does not ship yet, hence Go's image;
# pin it by digest with `docker buildx imagetools inspect golang:1.26-trixie` when bumping.
FROM golang:1.26-trixie AS render-worker
WORKDIR /src
COPY tools/render-worker/go.mod tools/render-worker/go.sum ./
RUN go mod download
COPY tools/render-worker/*.go ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/sbkube-render-worker . \
    && /out/sbkube-render-worker version

# Base pinned by digest (python:3.12.14-slim-trixie, multi-arch index); re-resolve it with
# `docker buildx imagetools inspect python:3.12-slim` when bumping.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git for the git sources and the git state backend; ca-certificates for HTTPS. Versions
# float within the Debian release of the pinned base image (see .hadolint.yaml for DL3008).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# helm v4.3.1 (default), helm v3.18.0 as helm3 (settings.helm_version: 3) and kubectl
# v1.37.1 (for `kubectl kustomize`): the same binaries, checked against the same sha256 pins,
# as scripts/install_tools.py gives developers. Applies go through the Python client.
COPY scripts/install_tools.py /tmp/install_tools.py
RUN python /tmp/install_tools.py /usr/local/bin /tmp/tools \
    && rm -rf /tmp/tools /tmp/install_tools.py \
    && helm version --short && helm3 version --short && kubectl version --client
COPY --from=render-worker /out/sbkube-render-worker /usr/local/bin/sbkube-render-worker

WORKDIR /opt/sbkube-ci
COPY pyproject.toml README.md ./
COPY sbkube_ci ./sbkube_ci
RUN pip install --no-cache-dir . && rm -rf /opt/sbkube-ci/build

# Not root. GitHub's docs ask container actions to run as root because the mounted workspace
# belongs to the runner user; on GitHub-hosted runners that user is uid 1001, so running as
# 1001 keeps write access to /github/workspace and /github/file_commands (outputs, summary)
# and leaves files later steps own. Self-hosted runners with another uid: see docs/ci.md.
# git refuses repositories owned by another uid, so the mounted checkout is trusted.
RUN useradd --uid 1001 --user-group --create-home --shell /usr/sbin/nologin sbkube \
    && git config --system --add safe.directory '*'
USER 1001:1001
ENV HELM_CACHE_HOME=/tmp/helm/cache HELM_CONFIG_HOME=/tmp/helm/config HELM_DATA_HOME=/tmp/helm/data

ENTRYPOINT ["sbkube-ci", "ci"]
