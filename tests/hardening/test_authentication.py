"""Authentication hardening: login lockout (django-axes), API key lockout, security headers and CSP."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from dataplatform.core.apikeys import api_key_issue
from tests import factories

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def person(producer_unit):
    return factories.person(producer_unit, username="zhang", password="right-password-2026")


def login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failed_logins_lock_the_name_from_that_address_even_with_the_right_password(client, person):
    for _ in range(4):
        assert login(client, "zhang", "wrong").status_code == 200
    assert login(client, "zhang", "wrong").status_code == 429
    locked = login(client, "zhang", "right-password-2026")
    assert locked.status_code == 429
    assert b'data-testid="locked-out"' in locked.content
    assert "_auth_user_id" not in client.session


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, person):
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "zhang", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    forged = client.post(
        reverse("login"),
        {"username": "zhang", "password": "right-password-2026"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert forged.status_code == 429


def test_the_lockout_holds_one_name_at_one_address_only(client, person):
    for _ in range(5):
        login(client, "zhang", "wrong")
    assert login(client, "zhang", "right-password-2026", ip="10.0.0.2").status_code == 302


def test_a_successful_login_resets_the_count(client, person):
    for _ in range(4):
        login(client, "zhang", "wrong")
    assert login(client, "zhang", "right-password-2026").status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "zhang", "wrong").status_code == 200
    assert login(client, "zhang", "right-password-2026").status_code == 302


def test_failed_logins_are_still_audited(client, person):
    login(client, "zhang", "wrong")
    assert AuditEvent.objects.filter(action="login", outcome=Outcome.DENIED).count() == 1


# --- API keys ---------------------------------------------------------------------------------------


def call_me(api, key, ip="10.0.0.9"):
    return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {key}", REMOTE_ADDR=ip)


def test_ten_invalid_keys_from_one_address_lock_that_address_out(api, applicant, settings):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    for n in range(settings.API_KEY_FAILURE_LIMIT):
        assert call_me(api, f"guess{n:03d}.nothing").status_code == 401
    refused = call_me(api, issued)
    assert refused.status_code == 429
    assert refused.json()["detail"] and int(refused["Retry-After"]) == settings.API_KEY_LOCKOUT_SECONDS
    assert call_me(api, issued, ip="10.0.0.10").status_code == 200


def test_wrong_secrets_sent_with_another_unit_s_key_prefix_do_not_lock_that_key_out(api, applicant, settings):
    """Issue 18: the producer saw the consumer's key prefix in its logs; ten wrong secrets with that prefix,
    from any address, locked the valid key out for 15 minutes. Now only the sender's own address is."""
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    prefix = issued.partition(".")[0]
    for _ in range(settings.API_KEY_FAILURE_LIMIT):
        assert call_me(api, f"{prefix}.wrong-secret", ip="10.1.0.1").status_code == 401
    assert call_me(api, issued, ip="10.2.0.1").status_code == 200  # the key's owner, at its own address
    assert call_me(api, f"{prefix}.wrong-secret", ip="10.1.0.1").status_code == 429  # the sender is stopped


def test_spreading_wrong_secrets_over_addresses_locks_each_address_not_the_key(api, applicant, settings):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    prefix = issued.partition(".")[0]
    for n in range(3 * settings.API_KEY_FAILURE_LIMIT):
        call_me(api, f"{prefix}.wrong-{n}", ip=f"10.1.{n % 3}.1")
    for n in range(3):
        assert call_me(api, issued, ip=f"10.1.{n}.1").status_code == 429
    assert call_me(api, issued, ip="10.2.0.1").status_code == 200


def test_fewer_failures_than_the_limit_lock_nothing(api, applicant, settings):
    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    for n in range(settings.API_KEY_FAILURE_LIMIT - 1):
        call_me(api, f"guess{n:03d}.nothing")
    assert call_me(api, issued).status_code == 200


def test_every_rejected_key_is_audited_with_its_address(api, settings):
    for n in range(3):
        call_me(api, f"guess{n:03d}.nothing", ip="10.3.0.1")
    events = AuditEvent.objects.filter(action="api_key.reject")
    assert events.count() == 3
    assert {(e.outcome, e.client_ip) for e in events} == {(Outcome.DENIED, "10.3.0.1")}


def test_a_lockout_survives_the_loss_of_the_counters(api, applicant, settings):
    """Redis restarted (here: the cache emptied): the address's rejected keys within the window are read
    back from the audit log, and the address stays locked out."""
    from django.core.cache import cache

    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    for n in range(settings.API_KEY_FAILURE_LIMIT):
        call_me(api, f"guess{n:03d}.nothing")
    cache.clear()
    assert call_me(api, issued).status_code == 429
    assert call_me(api, issued, ip="10.0.0.10").status_code == 200


def test_failures_older_than_the_window_are_not_read_back(api, applicant, settings):
    from django.core.cache import cache

    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
    with time_machine.travel(timezone.now() - dt.timedelta(seconds=settings.API_KEY_LOCKOUT_SECONDS + 1)):
        for n in range(settings.API_KEY_FAILURE_LIMIT):
            call_me(api, f"guess{n:03d}.nothing")
    cache.clear()
    assert call_me(api, issued).status_code == 200


def test_a_lockout_survives_a_restart_of_redis(api, applicant, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test sets it)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    from django.core.cache import cache

    address = "10.4.0.1"

    def restart():  # what a restart of Redis does to this address's counters
        cache.delete_many([f"api-key-failures:ip:{address}", f"api-key-failures:known:ip:{address}"])

    restart()
    try:
        issued = api_key_issue(actor=applicant, unit=applicant.unit, name="系统").key
        for n in range(settings.API_KEY_FAILURE_LIMIT):
            call_me(api, f"guess{n:03d}.nothing", ip=address)
        restart()
        assert call_me(api, issued, ip=address).status_code == 429
    finally:
        restart()


# --- headers ------------------------------------------------------------------------------------------


def test_pages_carry_csp_with_a_nonce_and_the_other_security_headers(client, producer):
    client.force_login(producer)
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    assert (
        "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    )
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    # base.html's inline script carries this response's nonce.
    assert f'<script nonce="{nonce}">'.encode() in response.content
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_swagger_ui_loads_its_start_up_script_as_a_file(client, producer):
    client.force_login(producer)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"<script>" not in page.content
    script = re.search(rb'<script src="([^"]*script=[^"]*)"', page.content).group(1).decode()
    loaded = client.get(script.replace("&amp;", "&"))
    assert loaded.status_code == 200 and loaded["Content-Type"].startswith("application/javascript")


def test_production_sends_hsts_and_secure_cookies(client, producer, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get(reverse("login")).status_code == 301


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
NOT_OURS = {".venv", "node_modules", "var", ".git"}


def templates():
    """Every template of the project, in whichever app (new apps included)."""
    tops = [top for top in REPO.iterdir() if top.is_dir() and top.name not in NOT_OURS]
    return sorted(path for top in tops for path in top.rglob("templates/**/*.html"))


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_inline_script_carries_the_csp_nonce_and_no_element_has_an_event_handler(path):
    text = path.read_text()
    for attributes in INLINE_SCRIPT.findall(text):
        if 'type="application/json"' in attributes:  # data (json_script), never run
            continue
        assert "nonce=" in attributes, f'{path.name}: add nonce="{{{{ request.csp_nonce }}}}" to <script>'
    assert not EVENT_HANDLER.search(text), f"{path.name}: an inline on...= handler is blocked by the CSP"


def test_the_audit_names_a_calling_key_by_its_name_not_its_prefix(applicant):
    from audit.services import audit_record
    from dataplatform.core.authentication import ApiClient
    from dataplatform.core.models import ApiKey

    issued = api_key_issue(actor=applicant, unit=applicant.unit, name="一网通办系统").key
    client = ApiClient(api_key=ApiKey.objects.get(prefix=issued.partition(".")[0]))
    event = audit_record(action="data.query", actor=client)
    assert event.actor_name == "API · 一网通办系统"
    assert event.api_key == client.api_key and event.actor_unit == applicant.unit
