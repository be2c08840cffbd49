# pmtool: one image for every role (web, worker, beat, migrate); see docker-compose.yml.
#   docker build -t pmtool .
#   docker run --rm -e SECRET_KEY=... -e DATABASE_URL=... -e ALLOWED_HOSTS=... pmtool web
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# The app runs as an unprivileged user; the code and collected static files stay owned by root.
RUN groupadd --system --gid 10001 pmtool \
 && useradd --system --uid 10001 --gid pmtool --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pmtool

# Runtime requirements only, every package (transitive too) pinned by constraints.txt.
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt

COPY . .

# Static files are collected (hashed and compressed by WhiteNoise) at build time. The
# settings need a SECRET_KEY with DEBUG off: a dummy one, used for nothing else.
RUN DEBUG=0 SECRET_KEY=build-only-dummy-secret-key-for-collectstatic \
      DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      python manage.py collectstatic --no-input -v 0 \
 && chmod 0755 docker/entrypoint.sh

USER pmtool
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
