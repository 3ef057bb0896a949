"""Write the gateway's and the generator's OpenAPI documents for the web app's generated types.

`python -m tools.openapi_dump` (run by `make types`) builds each document in-process, the way
the service would serve it, without starting a service or reaching Redis: the gateway through
`create_app` on a fakeredis client (so the document is whatever its /openapi.json answers,
however it is built), the generator through its FastAPI app's `.openapi()`. It writes them,
sorted and indented, to frontend/src/api/schema/, where `npm run gen:types` turns them into
TypeScript. tests/test_frontend_types.py fails when a checked-in document is stale.

`--check` writes nothing and exits 1 naming each stale document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "frontend" / "src" / "api" / "schema"
REGENERATE = "make types"


def _without_environment():
    """Settings read the environment; the documents must not depend on the shell that dumps them."""
    return mock.patch.dict(os.environ, {"PATH": os.environ.get("PATH", "")}, clear=True)


def gateway_document() -> dict:
    import fakeredis

    from api_gateway.app import create_app
    from api_gateway.settings import GatewaySettings

    with _without_environment():
        app = create_app(
            GatewaySettings(room_tick_interval_seconds=0), client=fakeredis.FakeRedis(decode_responses=True)
        )
    response = app.test_client().get("/openapi.json")
    if response.status_code != 200:
        raise RuntimeError(f"the gateway answered GET /openapi.json with HTTP {response.status_code}")
    return response.get_json()


def generator_document() -> dict:
    from workload_generator.app import create_app
    from workload_generator.settings import WorkloadSettings

    with _without_environment():
        app = create_app(WorkloadSettings())
    return app.openapi()


DOCUMENTS = {
    "gateway.openapi.json": gateway_document,
    "generator.openapi.json": generator_document,
}


def render(document: dict) -> str:
    """Sorted keys and a final newline, so a regeneration without a change is no diff."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    return {name: render(build()) for name, build in DOCUMENTS.items()}


def stale(directory: Path = SCHEMA_DIR) -> list[str]:
    """The documents whose checked-in copy differs from what the code produces now."""
    out = []
    for name, text in rendered().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi_dump", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a document is stale")
    parser.add_argument("--out", type=Path, default=SCHEMA_DIR, help="directory to write to")
    args = parser.parse_args(argv)

    if args.check:
        names = stale(args.out)
        for name in names:
            print(f"{args.out / name} is stale: run `{REGENERATE}`", file=sys.stderr)
        return 1 if names else 0

    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in rendered().items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
