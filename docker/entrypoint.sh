#!/bin/sh
# Container entrypoint: `web` (gunicorn), `worker` (celery worker), `beat` (celery beat),
# `migrate` (apply migrations once, then exit); anything else is run as given, e.g.
#   docker compose run --rm web python manage.py createsuperuser
set -e
cd "$(dirname "$0")/.."  # /app in the image

case "${1:-web}" in
  web)
    [ "$#" -gt 0 ] && shift
    exec gunicorn pmtool.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" \
      --timeout "${GUNICORN_TIMEOUT:-30}" \
      --max-requests 2000 --max-requests-jitter 200 \
      --access-logfile - \
      "$@"
    ;;
  worker)
    shift
    exec celery -A pmtool worker \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${WORKER_CONCURRENCY:-2}" \
      "$@"
    ;;
  beat)
    shift
    # Only one beat may run per deployment; its schedule state is disposable.
    exec celery -A pmtool beat --loglevel "${LOG_LEVEL:-INFO}" --schedule /tmp/celerybeat-schedule "$@"
    ;;
  migrate)
    shift
    exec python manage.py migrate --no-input "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
