# syntax=docker/dockerfile:1
# Inbreng's production image. The build stage turns the package and every dependency into
# wheels; the runtime stage installs only those wheels, so it needs neither build tools nor
# the network, and runs as an unprivileged user.

# --- build: the package and all its dependencies as wheels ---------------------------------
FROM python:3.11-slim AS build

WORKDIR /src
COPY pyproject.toml README.md ./
COPY inbreng/ ./inbreng/
COPY bot/ ./bot/
COPY adapters/ ./adapters/
COPY storage/ ./storage/
COPY prompts/ ./prompts/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# --- runtime --------------------------------------------------------------------------------
FROM python:3.11-slim

# The wheels come in through a bind mount rather than COPY: a copied /wheels would stay in
# its own layer (and the image) even when removed afterwards. --no-index: nothing is
# fetched at install time, so the image holds exactly what the build stage built; naming
# the package's wheel file pins it to that build.
# A fixed uid/gid (10001) keeps the ownership of /data the same across rebuilds and hosts.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels /wheels/inbreng-*.whl \
    && groupadd --system --gid 10001 inbreng \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin inbreng \
    && mkdir /data \
    && chown 10001:10001 /data

# Listen on every interface (the port is published); SQLite in the volume unless
# INBRENG_DATABASE_URL points elsewhere (docker-compose.yml uses PostgreSQL).
ENV INBRENG_HOST=0.0.0.0 \
    INBRENG_DATABASE_URL=sqlite:////data/inbreng.db \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# The SQLite file, exports, and a .env if one is mounted there (the bot reads .env from
# its working directory).
VOLUME /data
WORKDIR /data
EXPOSE 3978
USER 10001:10001

# Healthy means able to do its work: /readyz answers 200 only while the database can be
# written (/healthz says only that the process lives, and stayed 200 through database
# outages). Docker does not restart an unhealthy container; it shows the state and
# orchestrators stop routing to it. One that restarts unhealthy containers should ask
# /healthz for liveness instead, or a database outage restarts every instance.
# --start-period: `serve` waits up to INBRENG_DATABASE_START_SECONDS (30 s) for the database,
# then migrates. No curl in the slim image: Python's urllib asks the port the bot listens on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('INBRENG_PORT') or '3978'; sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz', timeout=4).status == 200 else 1)"]

# `serve` stops gracefully on SIGTERM (work under way finishes, unsent claims are given
# back) within about 8 seconds; give it longer than that before a kill (docker-compose.yml:
# stop_grace_period, `docker stop --time`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["inbreng"]
# --migrate: bring the database schema to the newest revision, then serve.
CMD ["serve", "--migrate"]
