# ÅMP Case production image: gunicorn on port 8000, static files served by WhiteNoise.
# Run it with docker-compose.yml (PostgreSQL beside it); see docs/PRODUCTION.md.
FROM python:3.11-slim-bookworm

# Pango, its FreeType backend and HarfBuzz's subsetter for WeasyPrint (PDFs), a font for it to
# draw with, and gettext for compilemessages. The same list as scripts/check-system-packages,
# less Chromium (tests only).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

# A fixed UID so that files on bind mounts or restored backups can be given the right owner.
# The user has a home because fontconfig (under WeasyPrint) keeps its cache there and
# gunicorn (25 and later) its control socket.
RUN groupadd --system --gid 10001 ampcase \
 && useradd --system --uid 10001 --gid ampcase --create-home --home-dir /home/ampcase \
        --shell /usr/sbin/nologin ampcase

# `pip install .` also puts a copy of the packages into site-packages, but settings find
# templates/, static/ and locale/ next to the package (BASE_DIR), which holds only for the copy
# in /app. manage.py and gunicorn put /app first on the path anyway; PYTHONPATH makes it so for
# every other entry point too (django-admin, python -c). Writable state lives outside the code:
# VAR_DIR holds nothing but the documents, which belong on a volume.
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=ampcase.settings \
    PYTHONPATH=/app \
    VAR_DIR=/var/lib/ampcase \
    DOCUMENT_ROOT=/var/lib/ampcase/documents

WORKDIR /app

# Dependencies first, in their own layer, so that a change to the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# The whole source tree: templates/, static/ and locale/ are not Python packages. It stays owned
# by root, so the app cannot change its own code, translations or static files.
COPY . .
RUN pip install --no-cache-dir . \
 && rm -rf build ./*.egg-info

# Compiled translations and the static file manifest are build products. Settings refuse to
# load without SECRET_KEY when DEBUG is off, so give them throwaway values that exist only in
# this RUN (neither command touches the database).
RUN export DEBUG=false \
        SECRET_KEY=build-only-not-a-secret-never-used-at-runtime-0123456789abcdef \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
 && python manage.py compilemessages --verbosity 0 --ignore '.venv' --ignore 'node_modules' \
 && python manage.py collectstatic --noinput --verbosity 0 \
 && rm -f /tmp/build.sqlite3

# Uploaded documents: readable by the app's user alone (settings create files 600, folders 700).
# A new named volume mounted here takes over this owner and mode.
RUN install -d -o ampcase -g ampcase -m 700 /var/lib/ampcase /var/lib/ampcase/documents

USER ampcase
EXPOSE 8000

# The access log format leaves out the client address, user agent and referrer on purpose:
# a line holds only time, request line (URLs never carry personal data), status, size and
# duration in ms. docker-compose.yml repeats this command after migrating: keep them in step.
CMD ["gunicorn", "ampcase.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--access-logformat", "%(t)s \"%(r)s\" %(s)s %(b)s %(M)s"]
