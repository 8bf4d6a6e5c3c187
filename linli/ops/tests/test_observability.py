"""Request ids, JSON log lines without phone numbers, /metrics for operators only, Sentry off
by default."""

import io
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from config.settings.observability import _scrub, init_sentry, logging_config
from linli.core.requestlog import RequestContextFilter, clean_request_id
from tests.factories import UserFactory

PASSWORD = "linli-test-pass-1"


@pytest.fixture
def json_log():
    """The linli.request logger's lines, through the production JSON formatter."""
    import logging.config

    config = logging_config(level="INFO", json_logs=True)
    stream = io.StringIO()
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["linli"])
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("linli.request")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_clean_request_id_keeps_a_proxy_id_and_replaces_junk():
    assert clean_request_id("0123456789abcdef0123") == "0123456789abcdef0123"
    for junk in ("", None, "short", "has space in it!!", "x" * 65, 'a"}\n{"level":"x'):
        fresh = clean_request_id(junk)
        assert fresh != junk and len(fresh) == 32


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_id_user_and_timings(client, json_log):
    user = UserFactory(name="李梅", phone="13912345678", password=PASSWORD)
    client.force_login(user)
    response = client.get(
        reverse("web:home") + "?q=13912345678", HTTP_X_REQUEST_ID="nginx-req-00000001"
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "nginx-req-00000001"
    lines = [line for line in json_log() if line["message"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "nginx-req-00000001"
    assert line["user_id"] == user.pk
    assert line["method"] == "GET" and line["path"] == reverse("web:home")
    assert line["status"] == 200 and line["view"] == "web:home"
    assert line["duration_ms"] > 0 and line["db_queries"] >= 1 and line["db_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "linli.request"
    assert line["time"].endswith("+00:00")  # ISO 8601, UTC
    # Neither the phone number nor the query string that held it.
    assert "13912345678" not in json.dumps(line)


@pytest.mark.django_db
def test_anonymous_request_gets_a_fresh_id_and_no_user(client, json_log):
    response = client.get(reverse("web:login"), HTTP_X_REQUEST_ID="bad id")
    assert len(response["X-Request-ID"]) == 32
    (line,) = [line for line in json_log() if line["message"] == "request"]
    assert line["user_id"] is None
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_metrics_are_for_the_loopback_a_token_or_an_operator(client):
    url = reverse("metrics")
    # The test client's address is 127.0.0.1: allowed by default.
    response = client.get(url)
    assert response.status_code == 200
    assert b"django_http_requests_latency_seconds" in response.content
    assert b'linli_tasks{state="ready"} 0.0' in response.content
    with override_settings(LINLI_METRICS_ALLOW=["10.9.0.0/16"], LINLI_METRICS_TOKEN="s3cret"):
        assert client.get(url).status_code == 404
        assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        assert client.get(url, HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
        assert client.get(url, REMOTE_ADDR="10.9.3.4").status_code == 200
        resident = UserFactory(phone="13900000077", password=PASSWORD)
        client.force_login(resident)
        assert client.get(url).status_code == 404
        operator = UserFactory(phone="13900000078", password=PASSWORD, is_superuser=True)
        client.force_login(operator)
        assert client.get(url).status_code == 200
    with override_settings(LINLI_METRICS_ALLOW=[], LINLI_METRICS_TOKEN=""):
        client.logout()
        assert client.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_sentry_is_off_without_a_dsn(settings):
    assert init_sentry("", environment="x", release="y", traces_sample_rate=0) is False
    assert settings.LINLI_SENTRY is False


def test_sentry_reports_carry_no_cookies_forms_or_user_details():
    event = {
        "request": {
            "cookies": {"sessionid": "abc"},
            "data": {"phone": "13912345678"},
            "query_string": "q=13912345678",
            "headers": {"Cookie": "sessionid=abc", "Authorization": "x", "Accept": "*/*"},
        },
        "user": {"id": 7, "username": "13912345678", "email": "a@b.cn"},
    }
    scrubbed = _scrub(event, {})
    assert scrubbed is not None
    assert "13912345678" not in json.dumps(scrubbed)
    assert scrubbed["request"]["headers"] == {"Accept": "*/*"}
    assert scrubbed["user"] == {"id": 7}
