"""The deployment-file checks (`pytest -m manifests`): their helpers live in manifest_lib.py."""

import sys
from pathlib import Path

# --import-mode=importlib puts no test folder on sys.path: make manifest_lib importable.
sys.path.insert(0, str(Path(__file__).parent))
