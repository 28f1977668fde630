"""Settings shared by every environment; each value can come from the environment.

Split as cookiecutter-django does: base here, then dev, test and production adjust it.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

# The council this installation serves. Reports, page headers and the Kent-based
# classification of providers all name it.
COUNCIL_NAME = env("GOLDEN_THREAD_COUNCIL_NAME", default="Kent County Council")
COUNCIL_AREA_NAME = env("GOLDEN_THREAD_COUNCIL_AREA_NAME", default="Kent")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # TemplatesSetting (our GOV.UK form renderer) finds Django's own widget templates through this app.
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_tables2",
    "commissioning",
    "contracts",
    "social_value",
    "outcomes_link",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commissioning.middleware.PagesLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so the page (and its lazy querysets) is rendered inside the as-at shadow tables.
    "commissioning.middleware.AsAtMiddleware",
]

ROOT_URLCONF = "commissioning.urls"
WSGI_APPLICATION = "commissioning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commissioning.context_processors.council",
                "commissioning.context_processors.as_at",
            ],
            "builtins": ["commissioning.templatetags.gt"],
        },
    }
]
# Form fields render through templates/django/forms/ in the GOV.UK Design System's markup.
FORM_RENDERER = "commissioning.forms.GovukFormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "commissioning.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "outcomes_link:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# commissioning/static/build/ is made by `make frontend` from GOV.UK Frontend (npm); not committed.
STATICFILES_DIRS = [BASE_DIR / "commissioning" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["commissioning.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "commissioning.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "commissioning.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Golden Thread API",
    "DESCRIPTION": (
        "Contracts, providers and the supporting outcomes they serve: the golden thread from "
        "every contract to the council's strategic outcomes."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A spend import's status appears in two components (the import, and the import just made);
    # a KPI's unit and a social value measure's unit are different lists with the same field name.
    "ENUM_NAME_OVERRIDES": {
        "SpendImportStatusEnum": "contracts.models.spend.SpendImportStatus",
        "UnitEnum": "contracts.choices.KPIUnit",
        "MeasureUnitEnum": "social_value.models.MeasureUnit",
        "MeasureDirectionEnum": "commissioning.choices.MEASURE_DIRECTION_CHOICES",
    },
}

DJANGO_TABLES2_TEMPLATE = "_partials/table.html"

# A contract is "ending soon" inside this many months of its current end date (issue 2).
# A change's reason is evidence (why a deduction was waived, why a return was reopened): keep it
# whole, not cut at simple-history's default 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

CONTRACT_ENDING_SOON_MONTHS = 6
# A KPI return still missing this many days after its period ends is overdue.
KPI_RETURN_OVERDUE_DAYS = env.int("GOLDEN_THREAD_KPI_RETURN_OVERDUE_DAYS", default=30)
# Contract performance notices (OCDS): each contract's ocid is this prefix plus its reference. A real
# publisher registers its own prefix with the Open Contracting Partnership (ocds-xxxxxx).
OCDS_OCID_PREFIX = env("GOLDEN_THREAD_OCDS_OCID_PREFIX", default="ocds-goldenthread-kcc")
# OCDS imports (issue 7) keep, by default, only the contracts this buyer awarded (its name as Contracts
# Finder and Find a Tender write it, or its OCDS party id).
OCDS_BUYER = env("GOLDEN_THREAD_OCDS_BUYER", default=COUNCIL_NAME)
# Spend files uploaded on the import page (issue 4): the largest accepted, and where an upload is
# held between "Check file" and "Import" (default: golden-thread-spend/ in the system's temporary
# directory). Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to disk, never held in memory.
SPEND_IMPORT_MAX_BYTES = env.int("GOLDEN_THREAD_SPEND_IMPORT_MAX_MB", default=500) * 1024 * 1024
SPEND_IMPORT_UPLOAD_DIR = env("GOLDEN_THREAD_SPEND_IMPORT_UPLOAD_DIR", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}
