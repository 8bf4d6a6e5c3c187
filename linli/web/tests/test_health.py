import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in {"postgresql", "sqlite"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_linli_console_script_is_installed():
    scripts = entry_points(group="console_scripts", name="linli")
    assert [ep.value for ep in scripts] == ["linli.cli:main"]


def _run(args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for Playwright
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "linli.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        LINLI_SECRET_KEY="p" * 20 + "-production-secret-" + "k" * 30,
        LINLI_ALLOWED_HOSTS="linli.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["check"])
    assert result.returncode != 0
    assert "LINLI_SECRET_KEY" in result.stderr
