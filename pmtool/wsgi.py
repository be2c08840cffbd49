import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmtool.settings")
application = get_wsgi_application()

from pmtool.checks import require_secret_key  # noqa: E402 - needs the settings loaded above

require_secret_key()

if os.environ.get("PMTOOL_WARM_SCHEMA", "1") != "0":
    from pmtool.api.schema_view import warm_in_background

    warm_in_background()
