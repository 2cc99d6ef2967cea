"""The client processes of bench/load.py: each logs a data administrator in by the login form, then sends
the mix's requests on keep-alive connections until its time is up, and hands back (kind, seconds, ok) for
every request with the first few errors. ``minimal`` sends each request to its minimal same-work view
(bench/minimal_views.py, under /bench/min/) instead of the real endpoint; the answers are checked alike."""

import http.client
import json
import random
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PORT = 8766
PASSWORD = "demo-2026"
SESSION_USER = "nr_admin"  # a data administrator: searches the catalog and applies
SEARCH_WORDS = ["人口", "企业", "社会保险", "不动产", "许可", "登记", "信息", "身份", "就业", "缴费"]


@dataclass
class Plan:
    """What the clients need, found or made by setup()."""

    key: str
    population: int  # the resource the key's unit holds an interface and a verification grant for
    people: list[tuple[str, str]]  # (id number, name) of its records
    rule: int
    apply_resource: int
    apply_items: list[str]
    downloads: list[str] = field(default_factory=list)


class Browser:
    """One keep-alive connection with a cookie jar: a person's browser, or an information system."""

    def __init__(self, headers: dict | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = {**self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def post_json(self, path: str, payload: dict, *, csrf: bool = False):
        headers = {"Content-Type": "application/json"}
        if csrf:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return self.request("POST", path, json.dumps(payload).encode(), headers)

    def log_in(self, username: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise SystemExit(f"login page: {status}")
        form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]})
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username}: {status}")


@dataclass
class Clients:
    """A client process's three callers, each on its own keep-alive connection."""

    person: Browser  # a data administrator, logged in by the login form
    system: Browser  # the information system of the key's unit
    public: Browser  # anybody on the open-data portal

    def reset(self) -> None:
        """After a failure: nothing half-read is left on a connection (each reopens at its next call)."""
        for browser in (self.person, self.system, self.public):
            browser.connection.close()


class Failed(Exception):
    pass


def expect(status: int, body: bytes, wanted: int) -> bytes:
    if status != wanted:
        raise Failed(f"{status} {body[:160]!r}")
    return body


def do_search(at: Clients, plan: Plan, rng: random.Random, minimal: bool):
    query = urlencode({"q": rng.choice(SEARCH_WORDS)})
    path = "/bench/min/search/" if minimal else "/api/v1/catalog/search/"
    yield "search", lambda: expect(*at.person.request("GET", f"{path}?{query}"), 200)


def do_record(at: Clients, plan: Plan, rng: random.Random, minimal: bool):
    key, _ = rng.choice(plan.people)
    path = (
        f"/bench/min/records/{plan.population}/{key}/"
        if minimal
        else f"/api/v1/data/resources/{plan.population}/records/{key}/"
    )

    def call() -> None:
        body = json.loads(expect(*at.system.request("GET", path), 200))
        if body["key"] != key:
            raise Failed(f"asked {key}, answered {body['key']}")

    yield "record", call


def do_verify(at: Clients, plan: Plan, rng: random.Random, minimal: bool):
    key, name = rng.choice(plan.people)
    matches = rng.random() < 0.8
    inputs = {"id_number": key, "name": name if matches else name + "某"}
    path = (
        f"/bench/min/verify/{plan.rule}/"
        if minimal
        else f"/api/v1/data/verification-rules/{plan.rule}/verify/"
    )

    def call() -> None:
        body = json.loads(expect(*at.system.post_json(path, {"inputs": inputs}), 200))
        if body["all"] is not matches:
            raise Failed(f"verification of {key} answered {body['all']}, expected {matches}")

    yield "verify", call


def do_apply(at: Clients, plan: Plan, rng: random.Random, minimal: bool):
    draft = {
        "business_matter": f"负载测试申请 {rng.randrange(10**9)}",
        "scenario": "办理业务时核查申请人的社会保险缴纳情况",
        "information_system": "负载测试业务系统",
        "service_method": "interface",
        "end_date": "2030-12-31",
        "lines": [{"resource": plan.apply_resource, "items": plan.apply_items}],
    }
    made = {}
    applications = "/bench/min/applications/" if minimal else "/api/v1/sharing/applications/"

    def create() -> None:
        made.update(json.loads(expect(*at.person.post_json(f"{applications}", draft, csrf=True), 201)))

    def submit() -> None:
        path = f"{applications}{made['id']}/{'submit' if minimal else 'act'}/"
        body = json.loads(expect(*at.person.post_json(path, {"action": "submit"}, csrf=True), 200))
        if body["status"] == "draft":
            raise Failed(f"application {made['id']} still a draft after submission")

    yield "apply_create", create
    yield "apply_submit", submit


def do_download(at: Clients, plan: Plan, rng: random.Random, minimal: bool):
    slug = rng.choice(plan.downloads)
    path = f"/bench/min/download/{slug}.csv" if minimal else f"/open/datasets/{slug}/download.csv"

    def call() -> None:
        if not expect(*at.public.request("GET", path), 200).strip():
            raise Failed(f"{path}: empty file")

    yield "download", call


# Each action yields (kind, call) for its requests, one after another: an application is made, then submitted.
ACTIONS = {
    "search": do_search,
    "record": do_record,
    "verify": do_verify,
    "apply": do_apply,
    "download": do_download,
}


def client(number: int, plan: Plan, seconds: float, mix: dict, ready, results, minimal: bool = False) -> None:
    rng = random.Random(number)
    at = Clients(person=Browser(), system=Browser({"Authorization": f"Api-Key {plan.key}"}), public=Browser())
    try:
        at.person.log_in(SESSION_USER)
    except BaseException:
        ready.abort()  # the others and the main process stop waiting
        raise
    kinds, weights = list(mix), list(mix.values())
    samples: list[tuple[str, float, bool]] = []
    errors: list[str] = []
    ready.wait()
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for kind, call in ACTIONS[rng.choices(kinds, weights)[0]](at, plan, rng, minimal):
            began = time.perf_counter()
            try:
                call()
                ok = True
            except (Failed, OSError, http.client.HTTPException, KeyError, ValueError) as error:
                ok = False
                if len(errors) < 5:
                    errors.append(f"{kind}: {error}")
                at.reset()
            samples.append((kind, time.perf_counter() - began, ok))
            if not ok:
                break  # the steps after a failed one have nothing to act on
    results.put((samples, errors, time.perf_counter() - started))
