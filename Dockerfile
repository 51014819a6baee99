# syntax=docker/dockerfile:1
#
# The rollout-exporter image: `docker build -t rollout-exporter:0.1.0 .`
#
# Stage 1 builds the exporter's wheel and the wheels of its dependencies; stage 2 installs
# only those wheels, offline, into a slim Python with no compiler, no build backend and
# no source tree, and runs as nobody (65534), the UID the Helm chart's securityContext
# expects. Every dependency ships binary wheels for CPython 3.11 on amd64 and arm64, so the
# build stage needs no compiler either.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY exporter ./exporter
RUN python -m pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# The wheels are mounted for this one step only, so none of them stays in a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links=/wheels /wheels/rollout_exporter-*.whl \
    && python -m pip uninstall --yes pip setuptools wheel
LABEL org.opencontainers.image.title="rollout-exporter" \
      org.opencontainers.image.description="Kubernetes rollout health as Prometheus metrics" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 65534:65534
EXPOSE 9808
ENTRYPOINT ["rollout-exporter"]
CMD ["run"]
