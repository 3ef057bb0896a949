"""The README's configuration tables list every setting the services read."""

from pathlib import Path

import pytest

from api_gateway.settings import GatewaySettings
from order_worker.settings import WorkerSettings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("settings_class", [GatewaySettings, WorkerSettings], ids=lambda c: c.__name__)
def test_every_setting_is_in_the_readme(settings_class):
    missing = [name.upper() for name in settings_class.model_fields if f"`{name.upper()}`" not in README]
    assert not missing, f"README does not document {missing}"
