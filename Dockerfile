# The kjede API: one process serving GraphQL, health and metrics on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KJEDE_DATA_DIR=/data

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

# Run unprivileged; /data (signing key, local objects, SQLite) is the only
# writable place, created here so a named volume inherits its owner.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin kjede \
    && mkdir -p /data \
    && chown kjede:kjede /data
USER kjede

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["kjede", "serve", "--host", "0.0.0.0", "--port", "8000"]
