import os

from django.core.asgi import get_asgi_application

# Production unless told otherwise: only `make run` and manage.py default to dev settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()

from core.keyring import heartbeat_start  # noqa: E402  (needs the apps loaded above)

heartbeat_start("web")
