"""The Dockerfiles: hadolint, multi-stage and pinned, non-root, the right command; a small context."""

from __future__ import annotations

import fnmatch
import re
import subprocess

import pytest

from manifest_lib import PYTHON_SERVICES, ROOT, SERVICE_PORTS, SERVICES, load_yaml, tool

pytestmark = pytest.mark.manifests

DOCKERFILES = {service: ROOT / service / "Dockerfile" for service in SERVICES}
PINNED = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?$")


def instructions(path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages(path) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions(path):
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def base_images(path) -> list[str]:
    args = {}
    for keyword, rest in instructions(path):
        if keyword == "ARG" and "=" in rest:
            name, value = rest.split("=", 1)
            args[name] = value
    images = []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            image = rest.split()[0]
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
            images.append(image)
    return images


@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_passes_hadolint(service):
    command = [tool("hadolint")]
    config = ROOT / ".hadolint.yaml"
    if config.exists():
        command += ["--config", str(config)]
    proc = subprocess.run([*command, str(DOCKERFILES[service])], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_multi_stage_on_exactly_pinned_bases(service):
    path = DOCKERFILES[service]
    assert len(stages(path)) >= 2
    for image in base_images(path):
        if image in {s[0][1].split()[-1] for s in stages(path) if " AS " in s[0][1].upper()}:
            continue  # FROM an earlier stage
        assert PINNED.match(image), f"{image} is not pinned to an exact version"


@pytest.mark.parametrize("service", SERVICES)
def test_the_final_stage_runs_as_a_numeric_non_root_user_and_exposes_its_port(service):
    final = stages(DOCKERFILES[service])[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, users[-1]
    exposed = [rest for keyword, rest in final if keyword == "EXPOSE"]
    assert exposed == [str(SERVICE_PORTS[service])]
    assert any(keyword == "HEALTHCHECK" for keyword, _ in final)


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_python_images_install_into_a_venv_copied_to_a_slim_final_stage(service):
    package = PYTHON_SERVICES[service][0]
    builder, final = stages(DOCKERFILES[service])[0], stages(DOCKERFILES[service])[-1]
    runs = " ".join(rest for keyword, rest in builder if keyword == "RUN")
    # The shared package and the service, installed as regular packages (not editable).
    assert re.search(r"pip install [^&]*\./common\b", runs) and f"./{service}" in runs
    assert " -e " not in runs and "--editable" not in runs
    assert "--no-cache-dir" in runs
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    assert not any(keyword == "RUN" and ("pip install" in rest or "apt-get" in rest) for keyword, rest in final)
    env = " ".join(rest for keyword, rest in final if keyword == "ENV")
    assert "PYTHONUNBUFFERED=1" in env and "PYTHONDONTWRITEBYTECODE=1" in env
    assert ("CMD", f'["python", "-m", "{package}"]') in final
    assert "slim" in base_images(DOCKERFILES[service])[-1]


def test_the_frontend_is_built_with_node_and_served_by_unprivileged_nginx_from_the_template():
    path = DOCKERFILES["frontend"]
    build, final = stages(path)[0], stages(path)[-1]
    images = base_images(path)
    assert images[0].startswith("node:") and images[-1].startswith("nginxinc/nginx-unprivileged:")
    assert ("RUN", "npm ci && npm cache clean --force") in build
    assert ("RUN", "npm run build") in build
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert "frontend/nginx/default.conf.template /etc/nginx/templates/default.conf.template" in copies
    assert "--from=build /src/frontend/dist/ /usr/share/nginx/html/" in copies


@pytest.mark.parametrize("service", SERVICES)
def test_everything_a_dockerfile_copies_exists_and_is_in_the_build_context(service):
    patterns = [
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(
            fnmatch.fnmatch(prefix, p) or (p.startswith("**/") and fnmatch.fnmatch(prefix.split("/")[-1], p[3:]))
            for p in patterns for prefix in prefixes
        )

    for keyword, rest in instructions(DOCKERFILES[service]):
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _destination = [a for a in rest.split() if not a.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"{source} does not exist"
                assert not ignored(source), f"{source} is excluded by .dockerignore"


def test_the_dockerignore_keeps_the_context_small():
    entries = {
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for heavy in (".git", ".venv", "**/node_modules", "frontend/dist", "**/__pycache__", "test-artifacts"):
        assert heavy in entries, heavy


def test_compose_and_kubernetes_run_the_same_images():
    compose = load_yaml(ROOT / "docker-compose.yml")["services"]
    for service in SERVICES:
        assert compose[service]["image"] == f"ticketing/{service}:latest"
        assert compose[service]["build"] == {"context": ".", "dockerfile": f"{service}/Dockerfile"}
    statefulset = load_yaml(ROOT / "k8s" / "base" / "redis" / "statefulset.yaml")
    assert compose["redis"]["image"] == statefulset["spec"]["template"]["spec"]["containers"][0]["image"]
