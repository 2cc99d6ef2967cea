# syntax=docker/dockerfile:1
# Production image: gunicorn serves the platform on port 8000, whitenoise serves the static files.
# The same image runs the Celery worker and beat (see docker-compose.yml).
#
#   docker build -t dataplatform .
#   docker run -e SECRET_KEY=... -e DEBUG=false -e DATABASE_URL=... -e REDIS_URL=... dataplatform

# --- Front-end assets (bootstrap, bootstrap-icons) from the npm registry ---------------------------
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund


# --- The platform -----------------------------------------------------------------------------------
FROM python:3.11-slim

# The settings find templates, locale and node_modules beside the source (BASE_DIR), so the source
# tree in /app, not the copy `pip install .` puts in site-packages, is what runs: PYTHONPATH.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies in their own layer: with only pyproject.toml present `pip install .` installs every
# dependency (and an empty project), so a change to the code does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
RUN pip install --no-deps --force-reinstall . && rm -rf build ./*.egg-info
COPY --from=assets /build/node_modules ./node_modules

# Build-time only: the settings refuse DEBUG=false without a SECRET_KEY, and collectstatic needs
# DEBUG=false to write the hashed, compressed files whitenoise serves. The key is never used to sign
# anything and is not kept in the image's environment; the real one comes at run time.
ARG BUILD_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789
RUN if command -v msgfmt >/dev/null 2>&1; then \
        python manage.py compilemessages --ignore=node_modules -v 0; \
    fi \
    && DEBUG=false SECRET_KEY="$BUILD_SECRET_KEY" python manage.py collectstatic --no-input -v 0

# Run as an unprivileged user: the code and the collected static files stay read-only to it; only
# var/ (beat's schedule file) and var/media (uploads) are writable. Not `chown -R`: that would copy
# the static files into another layer.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p var/media \
    && chown app:app var var/media
USER app

EXPOSE 8000
CMD ["gunicorn", "dataplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
