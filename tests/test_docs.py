"""The README's configuration tables list every setting the services read."""

from pathlib import Path

import pytest

from api_gateway.settings import GatewaySettings
from order_worker.settings import WorkerSettings
from workload_generator.settings import WorkloadSettings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "settings_class, readme",
    [(GatewaySettings, "README.md"), (WorkerSettings, "README.md"), (WorkloadSettings, "workload-generator/README.md")],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_every_setting_is_documented(settings_class, readme):
    text = (ROOT / readme).read_text()
    missing = [name.upper() for name in settings_class.model_fields if f"`{name.upper()}`" not in text]
    assert not missing, f"{readme} does not document {missing}"
