import pytest

from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.tsa import local_tsa, rogue_tsa, tsa  # noqa: F401 (fixtures: a timestamp authority)


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Checkpoint files of a test stay in its own folder."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def record(producer_unit):
    """``record(3)``: three events about the producing unit's data, in order."""

    def make(count: int = 1, owner_unit=producer_unit, **fields) -> list[AuditEvent]:
        return [
            audit_record(action="record.view", owner_unit=owner_unit, record_count=n, **fields)
            for n in range(count)
        ]

    return make
