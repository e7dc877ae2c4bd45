# syntax=docker/dockerfile:1
# Any image with Python 3.11 as `python` (with venv and ensurepip) and `useradd` will do,
# e.g. a mirror or a pinned digest of the default. scripts/verify-image builds with a local
# Debian bookworm base where no registry is reachable.
ARG BASE_IMAGE=python:3.11-slim

# Build stage: resolve and build wheels once; the runtime image gets no compiler.
FROM ${BASE_IMAGE} AS build
WORKDIR /src
RUN python -m venv /opt/tdbot
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/tdbot/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/tdbot/bin/pip install --no-cache-dir .

FROM ${BASE_IMAGE} AS runtime
ENV PATH=/opt/tdbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 tdbot \
 && useradd --system --uid 10001 --gid tdbot --home-dir /var/lib/tdbot --create-home tdbot
COPY --from=build /opt/tdbot /opt/tdbot
# Numeric, because Kubernetes' runAsNonRoot cannot check a user name against uid 0
# ("image has non-numeric user (tdbot), cannot verify user is non-root").
USER 10001:10001
WORKDIR /var/lib/tdbot
EXPOSE 3000
# Liveness: /healthz answers 200 while the event loop does, even when TD is down
# ("degraded" in its JSON), since a restart does not fix TD; load balancers use /readyz.
# The probe uses only the stdlib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["tdbot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
