"""The Dockerfiles: hadolint, multi-stage and pinned, non-root, the right command; a small context.

The three Python services share one template (docker/python-service.Dockerfile, given SERVICE and
PORT): each check below runs on the image each service gets from it, as Compose and CI build it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys

import pytest
from manifest_lib import (
    PYTHON_SERVICES,
    PYTHON_TEMPLATE,
    ROOT,
    SERVICE_PORTS,
    SERVICES,
    Dockerfile,
    image_build,
    load_yaml,
    tool,
)

pytestmark = pytest.mark.manifests

DOCKERFILE_PATHS = sorted({image_build(service)[0] for service in SERVICES})
PINNED = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?$")
LAUNCHER = "/opt/venv/bin/ticketing-service"


def hadolint(dockerfile_text: str) -> subprocess.CompletedProcess:
    command = [tool("hadolint")]
    config = ROOT / ".hadolint.yaml"
    if config.exists():
        command += ["--config", str(config)]
    return subprocess.run([*command, "-"], input=dockerfile_text, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("path", DOCKERFILE_PATHS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_dockerfile_passes_hadolint(path):
    proc = hadolint(path.read_text())
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_the_template_passes_hadolint_with_each_service_filled_in(service):
    proc = hadolint(Dockerfile.of(service).text())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_python_services_have_no_dockerfile_of_their_own():
    # A second copy would drift from the template.
    for service in PYTHON_SERVICES:
        assert not (ROOT / service / "Dockerfile").exists(), f"{service}/Dockerfile: build from {PYTHON_TEMPLATE.name}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_multi_stage_on_exactly_pinned_bases(service):
    dockerfile = Dockerfile.of(service)
    stages = dockerfile.stages()
    assert len(stages) >= 2
    stage_names = {s[0][1].split()[-1] for s in stages if " AS " in s[0][1].upper()}
    for image in dockerfile.base_images():
        if image in stage_names:
            continue  # FROM an earlier stage
        assert PINNED.match(image), f"{image} is not pinned to an exact version"


@pytest.mark.parametrize("service", SERVICES)
def test_the_final_stage_runs_as_a_numeric_non_root_user_and_exposes_its_port(service):
    final = Dockerfile.of(service).stages()[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, users[-1]
    exposed = [rest for keyword, rest in final if keyword == "EXPOSE"]
    assert exposed == [str(SERVICE_PORTS[service])]
    assert any(keyword == "HEALTHCHECK" for keyword, _ in final)


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_python_images_install_into_a_venv_copied_to_a_slim_final_stage(service):
    dockerfile = Dockerfile.of(service)
    builder, final = dockerfile.stages()[0], dockerfile.stages()[-1]
    runs = " ".join(rest for keyword, rest in builder if keyword == "RUN")
    # The shared package and the service, installed as regular packages (not editable).
    assert re.search(r"pip install [^&]*\./common\b", runs) and f'"./{service}"' in runs
    assert " -e " not in runs and "--editable" not in runs
    assert "--no-cache-dir" in runs
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    assert not any(keyword == "RUN" and ("pip install" in rest or "apt-get" in rest) for keyword, rest in final)
    env = dockerfile.final_env()
    assert env["PYTHONUNBUFFERED"] == "1" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    # Its port by default, the one it exposes and the healthcheck asks.
    assert env["PORT"] == str(SERVICE_PORTS[service])
    assert ("CMD", '["ticketing-service"]') in final
    assert "slim" in dockerfile.base_images()[-1]


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_python_images_listen_on_all_interfaces(service):
    # The services default to 127.0.0.1; in a container that would shut out the Service and the probes.
    assert Dockerfile.of(service).final_env().get("HOST") == "0.0.0.0"


def _builder_run(marker: str) -> str:
    """The builder's RUN containing `marker`, as written (the shell expands its variables)."""
    dockerfile = Dockerfile(PYTHON_TEMPLATE)
    in_builder = []
    for keyword, rest in dockerfile.raw_instructions():
        if keyword == "FROM" and in_builder:
            break
        if keyword == "FROM" or in_builder:
            in_builder.append((keyword, rest))
    (command,) = [rest for keyword, rest in in_builder if keyword == "RUN" and marker in rest]
    return command


def _sh(command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "-c", command], env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_the_template_accepts_each_service_with_its_port(service):
    _path, args = image_build(service)
    proc = _sh(_builder_run("--build-arg SERVICE="), **args)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "args, complaint",
    [
        ({"PORT": "8000"}, "--build-arg SERVICE="),
        ({"SERVICE": "frontend", "PORT": "8080"}, "--build-arg SERVICE="),
        ({"SERVICE": "api-gateway"}, "--build-arg PORT="),
        ({"SERVICE": "api-gateway", "PORT": "80a"}, "--build-arg PORT="),
    ],
)
def test_the_template_refuses_a_build_without_a_known_service_and_a_port(args, complaint):
    proc = _sh(_builder_run("--build-arg SERVICE="), **args)
    assert proc.returncode != 0
    assert complaint in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_the_image_command_runs_the_service_package_as_pid_1(service, tmp_path):
    """The builder's launcher step, run with the virtualenv at tmp_path: the launcher it writes
    execs `python -m <package>` with the container's arguments."""
    package = PYTHON_SERVICES[service][0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A stand-in python that says how it was called (the real one would start the service).
    (bin_dir / "python").write_text('#!/bin/sh\necho "python $*"\n')
    (bin_dir / "python").chmod(0o755)
    command = _builder_run(LAUNCHER).replace("/opt/venv", str(tmp_path))
    _path, args = image_build(service)
    # PATH: the project's virtualenv first, where the template checks that the package exists.
    env = {**args, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    proc = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    launcher = tmp_path / "bin" / "ticketing-service"
    assert os.access(launcher, os.X_OK)
    assert "exec " in launcher.read_text()
    run = subprocess.run([str(launcher), "serve", "--an arg"], capture_output=True, text=True, timeout=10)
    assert run.stdout == f"python -m {package} serve --an arg\n"


def test_the_template_refuses_a_service_whose_package_has_no_main(tmp_path):
    command = _builder_run(LAUNCHER).replace("/opt/venv", str(tmp_path))
    (tmp_path / "bin").mkdir()
    proc = _sh(command, SERVICE="no-such-service", PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    assert proc.returncode != 0
    assert not (tmp_path / "bin" / "ticketing-service").exists()


def test_the_frontend_is_built_with_node_and_served_by_unprivileged_nginx_from_the_template():
    dockerfile = Dockerfile.of("frontend")
    build, final = dockerfile.stages()[0], dockerfile.stages()[-1]
    images = dockerfile.base_images()
    assert images[0].startswith("node:") and images[-1].startswith("nginxinc/nginx-unprivileged:")
    assert ("RUN", "npm ci && npm cache clean --force") in build
    assert ("RUN", "npm run build") in build
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert "frontend/nginx/default.conf.template /etc/nginx/templates/default.conf.template" in copies
    assert "--from=build /src/frontend/dist/ /usr/share/nginx/html/" in copies


def _dockerignore_patterns() -> list[str]:
    return [
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _ignored(path: str) -> bool:
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, p) or (p.startswith("**/") and fnmatch.fnmatch(prefix.split("/")[-1], p[3:]))
        for p in _dockerignore_patterns()
        for prefix in prefixes
    )


@pytest.mark.parametrize("service", SERVICES)
def test_everything_a_dockerfile_copies_exists_and_is_in_the_build_context(service):
    for keyword, rest in Dockerfile.of(service).instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _destination = [a for a in rest.split() if not a.startswith("--")]
            for source in sources:
                assert "$" not in source, f"{source}: a build argument is missing"
                assert (ROOT / source).exists(), f"{source} does not exist"
                assert not _ignored(source), f"{source} is excluded by .dockerignore"


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_the_service_tests_stay_out_of_the_image(service):
    # The template copies the whole service folder: its tests must be left in the repository.
    assert _ignored(f"{service}/tests") and _ignored(f"{service}/{PYTHON_SERVICES[service][0]}/__pycache__")


def test_the_dockerignore_keeps_the_context_small():
    entries = set(_dockerignore_patterns())
    for heavy in (".git", ".venv", "**/node_modules", "frontend/dist", "**/__pycache__", "test-artifacts"):
        assert heavy in entries, heavy


def test_compose_and_kubernetes_run_the_same_images():
    compose = load_yaml(ROOT / "docker-compose.yml")["services"]
    for service in SERVICES:
        path, args = image_build(service)
        expected = {"context": ".", "dockerfile": str(path.relative_to(ROOT))}
        if args:
            expected["args"] = args
        assert compose[service]["image"] == f"ticketing/{service}:latest"
        assert compose[service]["build"] == expected, service
    statefulset = load_yaml(ROOT / "k8s" / "base" / "redis" / "statefulset.yaml")
    assert compose["redis"]["image"] == statefulset["spec"]["template"]["spec"]["containers"][0]["image"]
