# A fixture the sharing tests define, shared here rather than copied: a published, unconditionally shared entry.
from tests.sharing.conftest import unconditional  # noqa: F401
