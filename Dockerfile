# syntax=docker/dockerfile:1.7
# Cablewise in one image, built in two stages:
#   build    installs torch and the build extra, builds the index and the ONNX query encoder from kb/, and makes
#            wheels of the server and its runtime dependencies (compiling any that need it);
#   runtime  installs the server from those wheels alone (no torch, no compiler, no network), copies kb/ and the
#            built index, runs gunicorn as a non-root user.
#
#   docker build -t cablewise .                          # the server
#   docker build --target build -t cablewise-build .     # the builder (the Kubernetes index Job runs it)
#
# The steps are deploy/image.sh, which tests/deploy/test_runtime_install.py runs outside a container.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
# The CPU wheels of torch; PyPI's Linux torch pulls GBs of CUDA libraries the build never uses.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHON=python TORCH_INDEX_URL=${TORCH_INDEX_URL}
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY deploy/image.sh deploy/image.sh
COPY service service
COPY index index
RUN deploy/image.sh wheels /src /wheels
RUN deploy/image.sh build-tools /src /opt/build
ENV PATH=/opt/build/bin:$PATH
COPY kb kb
ENV CABLEWISE_KB_DIR=/src/kb \
    CABLEWISE_INDEX_DIR=/out/index \
    CABLEWISE_MODEL_CACHE_DIR=/out/model-cache
RUN deploy/image.sh index /opt/build

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHON=python
RUN groupadd --system --gid 10001 cablewise \
    && useradd --system --uid 10001 --gid cablewise --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin cablewise
COPY deploy/image.sh /usr/local/bin/cablewise-image
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    cablewise-image runtime /wheels /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY kb /app/kb
COPY deploy/gunicorn.conf.py /app/gunicorn.conf.py
COPY --from=build /out /app/var
RUN mkdir -p /data /tmp/cablewise-metrics && chown cablewise:cablewise /data /tmp/cablewise-metrics
# The index and the ONNX encoder are read-only build outputs; feedback goes to /data (a volume); gunicorn's
# workers share metrics through /tmp/cablewise-metrics.
ENV CABLEWISE_KB_DIR=/app/kb \
    CABLEWISE_CATALOG=/app/kb/shop-feed.tsv \
    CABLEWISE_INDEX_DIR=/app/var/index \
    CABLEWISE_MODEL_CACHE_DIR=/app/var/model-cache \
    CABLEWISE_FEEDBACK_DB=/data/feedback.sqlite3 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/cablewise-metrics \
    HOST=0.0.0.0 \
    PORT=8000
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["gunicorn", "--config", "/app/gunicorn.conf.py", "service.app:create_app()"]
