# syntax=docker/dockerfile:1
# The image of each Python service, from one template (they differ only in what is passed in).
# Build from the repository root so the shared package is in the context:
#   docker build -f docker/python-service.Dockerfile \
#     --build-arg SERVICE=api-gateway --build-arg PORT=8000 -t ticketing/api-gateway .
# SERVICE is the service's folder (api-gateway, order-worker, workload-generator, payment-provider,
# live-updates); its Python
# package is the same name with underscores. PORT is the port it serves and exposes.
# docker-compose.yml, .gitlab-ci.yml and k8s/demo.sh pass the two for each service.

ARG PYTHON_IMAGE=python:3.11.15-slim-bookworm

# ---- builder: the dependencies and the two packages, installed into a virtualenv ----
FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
ARG PORT
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
# Without this a missing argument would surface as a puzzling COPY or EXPOSE error.
RUN case "$SERVICE" in \
      api-gateway|order-worker|workload-generator|payment-provider|live-updates) ;; \
      *) echo "build with --build-arg SERVICE=api-gateway|order-worker|workload-generator|payment-provider|live-updates (got '$SERVICE')" >&2; exit 1 ;; \
    esac \
    && case "$PORT" in \
      ''|*[!0-9]*) echo "build with --build-arg PORT=<the port $SERVICE serves> (got '$PORT')" >&2; exit 1 ;; \
    esac
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Pinned third-party dependencies first: this layer is rebuilt only when they change.
COPY ${SERVICE}/requirements.txt ${SERVICE}/requirements.txt
RUN pip install --no-cache-dir -r "${SERVICE}/requirements.txt"
# The shared contract and the service itself, as regular (non-editable) installs
# (.dockerignore keeps the service's tests out).
COPY common/ common/
COPY ${SERVICE}/ ${SERVICE}/
RUN pip install --no-cache-dir --no-deps ./common "./${SERVICE}" \
    && pip check \
    && pip uninstall --yes pip setuptools wheel
# CMD cannot take a build argument: a fixed-name launcher runs `python -m <package>` (exec, so
# the service is PID 1 and gets SIGTERM itself).
RUN package="$(python -c "print('${SERVICE}'.replace('-', '_'))")" \
    && python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('${package}.__main__') is None)" \
    && printf '#!/bin/sh\nexec /opt/venv/bin/python -m %s "$@"\n' "$package" >/opt/venv/bin/ticketing-service \
    && chmod 0755 /opt/venv/bin/ticketing-service

# ---- runtime: the virtualenv on a clean slim base, run as an unprivileged user ----
FROM ${PYTHON_IMAGE}
ARG SERVICE
ARG PORT
LABEL org.opencontainers.image.title="ticketing ${SERVICE}" \
      org.opencontainers.image.description="The ${SERVICE} service of the ticketing system (see ${SERVICE}/ in the repository)"
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=builder /opt/venv /opt/venv
# HOST: the services listen on loopback by default; in a container they must accept connections
# from the Service, the probes and the other containers (the pod's network is the boundary).
# Nothing is written outside /tmp (no bytecode), so the root filesystem can be read-only.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=${PORT}
WORKDIR /app
USER 10001:10001
EXPOSE ${PORT}
# Ready = serving (and Redis reachable, where the service uses it). Compose waits on this;
# Kubernetes uses its own probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ['PORT'], timeout=2)"]
# Validates the settings, then serves: the gateway under gunicorn (WEB_CONCURRENCY workers x
# GUNICORN_THREADS threads), the worker, the generator, the payment provider and the live updates under uvicorn (the worker finishes and
# acknowledges its batch on SIGTERM). Other commands: `ticketing-service --help`.
CMD ["ticketing-service"]
