# The sbkube-ci image behind action.yml and .gitlab-ci-template.yml.
# Base pinned by digest (python:3.12.14-slim-trixie, multi-arch index); re-resolve it with
# `docker buildx imagetools inspect python:3.12-slim` when bumping.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

# Helm from the official release archive, pinned by version and the sha256 published in the
# v3.18.0 release notes. kubectl is not needed: kustomize renders through `helm`/the Python
# client, and applies go through the Kubernetes Python client.
ARG HELM_VERSION=v3.18.0
ARG HELM_SHA256=961e587fc2c03807f8a99ac25ef063fa9e6915f1894729399cbb95d2a79af931

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git for the git sources and the git state backend; ca-certificates for HTTPS; curl only to
# fetch helm, removed in the same layer. Versions float within the pinned base image's Debian
# release (see .hadolint.yaml for why DL3008 is ignored).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates curl \
    && curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz" \
    && echo "${HELM_SHA256}  /tmp/helm.tgz" | sha256sum -c - \
    && tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1 linux-amd64/helm \
    && rm /tmp/helm.tgz \
    && helm version --short \
    && apt-get purge -y --auto-remove curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/sbkube-ci
COPY pyproject.toml README.md ./
COPY sbkube_ci ./sbkube_ci
RUN pip install --no-cache-dir . && rm -rf /opt/sbkube-ci/build

# GitHub runs container actions with the workspace mounted at /github/workspace and owned by
# the runner's uid 1001; using that uid keeps files the action writes (plan, reports) usable
# by later steps. git refuses repositories owned by another uid, so the mount is trusted.
RUN useradd --uid 1001 --user-group --create-home --shell /usr/sbin/nologin sbkube \
    && git config --system --add safe.directory '*'
USER 1001:1001
ENV HELM_CACHE_HOME=/tmp/helm/cache HELM_CONFIG_HOME=/tmp/helm/config HELM_DATA_HOME=/tmp/helm/data

ENTRYPOINT ["sbkube-ci", "ci"]
