"""A minimal Django project for the framework suite (test/frameworks): no database, no contrib apps."""
from pathlib import Path

HERE = Path(__file__).resolve().parent

SECRET_KEY = 'wsgi-edge framework suite, not a secret'
DEBUG = False
ALLOWED_HOSTS = ['testserver', '127.0.0.1']
ROOT_URLCONF = 'django_project.urls'
INSTALLED_APPS = []
DATABASES = {}
# CommonMiddleware gives non-streamed responses their Content-Length, as a real project's settings do.
MIDDLEWARE = ['django.middleware.common.CommonMiddleware']
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'DIRS': [HERE / 'templates'],
}]
# Django's default logging mails a 500's traceback to ADMINS through EMAIL_BACKEND, and builds the
# connection even when ADMINS is empty: the SMTP backend imports ssl, which Pyodide's standard library
# lacks (it is a separate Pyodide package), so under Pyodide the 500 page itself would fail and the
# exception reach the server. A project without mail says so.
EMAIL_BACKEND = 'django.core.mail.backends.dummy.EmailBackend'
USE_I18N = False
# No view here deals in datetimes, so Django 3.2's own default (naive local times) is kept. That does not
# spare the tz database: Debian's pytz reads /usr/share/zoneinfo/tzdata.zi on import, and Django imports
# pytz in any case, so the suite mounts that folder into Pyodide.
USE_TZ = False
TIME_ZONE = 'UTC'
