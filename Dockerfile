# Inbreng on a slim Python base, as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY prompts ./prompts
COPY examples ./examples
RUN pip install --no-cache-dir . \
    && useradd --system --create-home --home-dir /data inbreng

USER inbreng
WORKDIR /data
ENV INBRENG_DATABASE_URL=sqlite:////data/inbreng.db
ENTRYPOINT ["inbreng"]
CMD ["--help"]
