"""The cross-unit attack sweep (issue 18, tools/attack_sweep.py): every operation of the OpenAPI schema,
tried on other units' objects by people of each kind of unit and by units' API keys, finds no leak and no
server error; and a rule that lets another unit in is found."""

import io

import pytest
from django.core.management import call_command

from dataplatform.core.models import User
from federation.models import BackflowRequest, Peer
from federation.node import generate_key_file
from sharing.models import Application
from tools.attack_sweep import LEAK, SWEPT_NODE, add_to_demo, build_world, operations, sweep

pytestmark = pytest.mark.django_db

# A data administrator of a city unit and of a county unit, a reviewer, the technical service unit's
# evaluator, an enterprise, a person whose role awaits approval, a citizen, the platform administrator;
# with anonymous and the keys.
SWEPT = [
    "admin",
    "police_admin",
    "jj_market_admin",
    "jj_reviewer",
    "evaluator",
    "enterprise",
    "jj_hrss_clerk",
    "citizen",
]


@pytest.fixture
def demo(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A federated city node, as the command's: the demo seeds the federation's peers, entries and back-flow.
    for name, value in SWEPT_NODE.items():
        setattr(settings, name, value)
    settings.NODE_KEY_FILE = str(tmp_path / "node-ed25519.pem")
    generate_key_file(tmp_path / "node-ed25519.pem")
    call_command("seed_demo", stdout=io.StringIO())
    return add_to_demo()


def test_no_operation_leaks_another_units_data_or_answers_a_500(demo):
    people = User.objects.filter(username__in=SWEPT).order_by("pk")
    world = build_world(keys=demo, people=people)
    result = sweep(world, operations(), many=2)
    assert result.tries > 2000  # every operation, not an empty sweep
    assert result.leaks == [] and result.errors == []
    assert sum(counts["allowed"] for counts in result.counts.values()) > 100  # and not only refusals
    assert len(result.seen) > len(world.canaries) / 3  # canaries are shown to whoever may see them
    assert result.untried == []  # a new path's {id} needs its kind in PATH_KINDS
    # The federation's paths were tried on its peers, entries and applications, and some were answered.
    assert Peer.objects.exists() and BackflowRequest.objects.exists()
    assert result.counts["/api/v1/federation/"]["allowed"] > 10


def test_the_sweep_finds_an_application_shown_to_another_unit(demo, monkeypatch):
    # A broken rule: any caller gets any application by its id.
    monkeypatch.setattr("sharing.api.application_for_user", lambda user, pk: Application.objects.get(pk=pk))
    world = build_world(keys=demo, people=User.objects.filter(username="jj_market_admin"), with_keys=False)
    result = sweep(world, operations("/api/v1/sharing/applications/{id}/"), many=2)
    assert result.leaks and all("sharing.application" in line for line in result.leaks)
    assert sum(counts[LEAK] for counts in result.counts.values()) == len(result.leaks)
