FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# pg_dump/pg_restore for `manage.py backup` and `restore` (bookworm's client is 15, as is db).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
# Exact versions with hashes; an intranet build can add `--no-index --find-links wheelhouse`
# after copying in the wheelhouse that `make wheelhouse` downloads.
COPY requirements/base.lock ./requirements/
RUN pip install --require-hashes -r requirements/base.lock && useradd --system --home /app dangjian
COPY . .
# collectstatic needs no database; the key is a throwaway used only during the build.
RUN SECRET_KEY=build-only STATIC_ROOT=/app/staticfiles \
    STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
    python manage.py collectstatic --noinput \
 && mkdir -p /srv/dangjian/media && chown -R dangjian /srv/dangjian
USER dangjian
EXPOSE 8000
CMD ["gunicorn", "alxa_dangjian.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
