"""The web app's types are generated from the services' OpenAPI documents; the copies checked in
under frontend/src/api/schema/ must be what the code produces now, or a model change would reach
the browser without its TypeScript types (npm run check:types then checks the .ts files)."""

from __future__ import annotations

import json

import pytest

from tools import openapi_dump


@pytest.mark.parametrize("name", sorted(openapi_dump.DOCUMENTS))
def test_the_checked_in_openapi_document_is_current(name: str) -> None:
    path = openapi_dump.SCHEMA_DIR / name
    fresh = openapi_dump.render(openapi_dump.DOCUMENTS[name]())
    assert path.is_file(), f"{path} is missing: run `{openapi_dump.REGENERATE}`"
    assert path.read_text(encoding="utf-8") == fresh, (
        f"{path.relative_to(openapi_dump.ROOT)} is stale (an API model changed): "
        f"run `{openapi_dump.REGENERATE}` and commit the result"
    )


def test_the_documents_do_not_depend_on_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's shell (MAX_TICKETS_PER_ORDER, WORKLOAD_TOKEN, ...) must not leak into the files.
    before = openapi_dump.rendered()
    monkeypatch.setenv("MAX_TICKETS_PER_ORDER", "3")
    monkeypatch.setenv("WORKLOAD_TOKEN", "a-token-of-some-length")
    assert openapi_dump.rendered() == before


def test_check_names_the_command_to_run(tmp_path, capsys) -> None:
    for name, text in openapi_dump.rendered().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert openapi_dump.main(["--check", "--out", str(tmp_path)]) == 0

    stale = tmp_path / "gateway.openapi.json"
    document = json.loads(stale.read_text(encoding="utf-8"))
    document["info"]["version"] = "0.0.0-old"
    stale.write_text(openapi_dump.render(document), encoding="utf-8")
    assert openapi_dump.main(["--check", "--out", str(tmp_path)]) == 1
    assert f"gateway.openapi.json is stale: run `{openapi_dump.REGENERATE}`" in capsys.readouterr().err
