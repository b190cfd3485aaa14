# The sbkube-ci image behind action.yml and .gitlab-ci-template.yml.
# Base pinned by digest (python:3.12.14-slim-trixie, multi-arch index); re-resolve it with
# `docker buildx imagetools inspect python:3.12-slim` when bumping.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

# Helm from the official release archive, pinned by version and the sha256 published in the
# v3.18.0 release notes; kubectl (for `kubectl kustomize`, kustomize apps) from dl.k8s.io,
# pinned the same way. The same versions as scripts/install_tools.py gives developers.
# Applies go through the Kubernetes Python client, not kubectl.
ARG HELM_VERSION=v3.18.0
ARG HELM_SHA256=961e587fc2c03807f8a99ac25ef063fa9e6915f1894729399cbb95d2a79af931
ARG KUBECTL_VERSION=v1.33.0
ARG KUBECTL_SHA256=9efe8d3facb23e1618cba36fb1c4e15ac9dc3ed5a2c2e18109e4a66b2bac12dc

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git for the git sources and the git state backend; ca-certificates for HTTPS; curl only to
# fetch helm and kubectl, removed in the same layer. Versions float within the Debian release
# of the pinned base image (see .hadolint.yaml for why DL3008 is ignored).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates curl \
    && curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz" \
    && echo "${HELM_SHA256}  /tmp/helm.tgz" | sha256sum -c - \
    && tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1 linux-amd64/helm \
    && rm /tmp/helm.tgz \
    && helm version --short \
    && curl -fsSLo /usr/local/bin/kubectl \
        "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl" \
    && echo "${KUBECTL_SHA256}  /usr/local/bin/kubectl" | sha256sum -c - \
    && chmod 0755 /usr/local/bin/kubectl \
    && kubectl version --client \
    && apt-get purge -y --auto-remove curl \
    && rm -rf /var/lib/apt/lists/*

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
