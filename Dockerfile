# Two stages: the locked dependencies are installed in a layer of their own, rebuilt only when
# requirements/base.txt changes; the code comes after. The image runs as a non-root user with
# production settings unless DJANGO_SETTINGS_MODULE says otherwise.
FROM python:3.11-slim AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements/base.txt /tmp/requirements.txt
RUN /venv/bin/pip install --no-deps -r /tmp/requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/static \
    RUN_DIR=/tmp/platform
RUN useradd --system --create-home --uid 10001 app
WORKDIR /app
COPY --from=deps /venv /venv
COPY . .
# Static files are part of the image (whitenoise serves them); the base settings need no keys.
RUN DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/platform
USER app
# 8000: gunicorn (web); 50051: manage.py grpcserve (the grpc service of docker compose)
EXPOSE 8000 50051
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.py"]
