"""The deployment files agree with the settings module and with each other."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    source = (ROOT / "alxa_dangjian" / "settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))


def example_values() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match[1]] = match[2]
    return values


def test_every_setting_variable_is_documented_in_env_example():
    variables = settings_variables()
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "MEDIA_ROOT"} <= variables
    assert variables - set(example_values()) == set()


def test_compose_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert services["db"]["image"].startswith("postgres:15")
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    documented = set(example_values())
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert set(environment) <= documented, set(environment) - documented
        assert {"DATABASE_URL", "CELERY_BROKER_URL"} <= set(environment)
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "alxa_dangjian.settings"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_values():
    env = {**example_values(), "SECRET_KEY": secrets.token_urlsafe(50)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_defaults_are_safe_and_embedded():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE, "
        "s.TIME_ZONE)"
    )
    result = run_python(code, {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "django.db.backends.sqlite3",
        "True",
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_broker_url_switches_celery_off_eager_mode():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_TASK_ACKS_LATE, s.CELERY_TASK_SERIALIZER)"
    )
    result = run_python(code, {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert result.stdout.split() == ["False", "True", "json"], result.stderr


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_on_the_env_example_placeholder_key():
    result = check_deploy(example_values())
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "SECRET_KEY" in result.stderr


def test_check_deploy_fails_when_the_key_is_unset_and_falls_back_to_the_development_key():
    env = {name: value for name, value in example_values().items() if name != "SECRET_KEY"}
    result = check_deploy(env)
    assert result.returncode != 0
    assert "core.E001" in result.stderr


def test_the_web_application_refuses_to_start_with_a_published_key():
    code = "import alxa_dangjian.wsgi"
    refused = run_python(code, {"SECRET_KEY": example_values()["SECRET_KEY"]})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "SECRET_KEY" in refused.stderr
    assert run_python(code, {}).returncode != 0
    assert run_python(code, {"SECRET_KEY": secrets.token_urlsafe(50)}).returncode == 0
    # A developer's debug run may use the development fallback.
    assert run_python(code, {"DEBUG": "true"}).returncode == 0


def test_the_secret_key_check_passes_a_real_key_and_debug_runs(settings):
    from alxa_dangjian.core.checks import check_secret_key

    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert check_secret_key() == []
    settings.SECRET_KEY = "django-insecure-development-only-key-change-me-in-production"
    assert [error.id for error in check_secret_key()] == ["core.E001"]
    settings.DEBUG = True
    assert check_secret_key() == []
