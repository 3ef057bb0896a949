"""End-to-end: the whole local stack on free ports, driven by Playwright in headless Chromium.

`python -m tools.e2e` (run by `make test`) starts exactly what `make up` starts, runs the
frontend's Playwright suite against it, saves screenshots to test-artifacts/screenshots,
and stops it all. On failure the services' logs are copied to test-artifacts/e2e-logs.
Arguments go to Playwright: `python -m tools.e2e e2e/events.spec.ts` runs one spec.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools import stack
from tools.redis_server import free_port

ARTIFACTS = stack.ROOT / "test-artifacts"


def main(playwright_args: list[str]) -> int:
    ports = stack.Ports(
        redis=free_port(),
        gateway=free_port(),
        workers=(free_port(), free_port()),
        generator=free_port(),
        provider=free_port(),
        live=free_port(),
        web=free_port(),
    )
    with tempfile.TemporaryDirectory(prefix="e2e-") as tmp:
        run_dir = Path(tmp)
        services = stack.local_stack(run_dir, ports)
        if services[-1].name != "nginx":
            print("e2e: frontend/dist is missing; run `make frontend` first", file=sys.stderr)
            return 1
        processes = stack.start(services, run_dir / "logs")
        returncode = 1
        try:
            env = {
                **os.environ,
                "BASE_URL": f"http://127.0.0.1:{ports.web}",
                "SCREENSHOT_DIR": str(ARTIFACTS / "screenshots"),
            }
            command = ["npm", "run", "test:e2e", "--", *playwright_args]
            returncode = subprocess.run(command, cwd=stack.ROOT / "frontend", env=env).returncode
        finally:
            stack.stop(processes)
            if returncode != 0:
                shutil.copytree(run_dir / "logs", ARTIFACTS / "e2e-logs", dirs_exist_ok=True)
                print(f"e2e: failed; service logs in {ARTIFACTS / 'e2e-logs'}", file=sys.stderr)
        return returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
