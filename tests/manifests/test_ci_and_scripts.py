"""The GitLab pipeline, the release script it runs, and the demo scripts."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from manifest_lib import (
    KUBERNETES_VERSIONS,
    ROOT,
    SERVICES,
    container_env,
    containers,
    image_build,
    of_kind,
    tool,
    workloads,
)

pytestmark = pytest.mark.manifests

CI_PATH = ROOT / ".gitlab-ci.yml"
SCRIPTS = sorted([*(ROOT / "k8s").glob("*.sh"), *(ROOT / "tools").glob("*.sh"), ROOT / ".ci" / "run"])


@pytest.fixture(scope="module")
def ci() -> dict:
    return yaml.safe_load(CI_PATH.read_text())


def test_the_pipeline_validates_against_the_gitlab_ci_schema(ci):
    import jsonschema

    try:
        import check_jsonschema
    except ImportError:
        pytest.fail("check-jsonschema is not installed: pip install check-jsonschema==0.39.0", pytrace=False)
    schema = json.loads(
        (Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "gitlab-ci.json").read_text()
    )
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(ci)]
    assert errors == []


def test_the_pipeline_runs_test_then_build_then_deploy(ci):
    assert ci["stages"] == ["test", "build", "deploy"]
    test = ci["test"]
    assert test["stage"] == "test" and "python3.11" in test["image"] and "nodejs20" in test["image"]
    assert test["script"] == ["make test"]


def test_every_image_is_built_by_kaniko_without_privileges_and_tagged_with_the_commit(ci):
    build = ci["build"]
    assert build["stage"] == "build"
    assert build["image"]["name"].startswith("gcr.io/kaniko-project/executor:") and build["image"]["name"].endswith(
        "-debug"
    )
    assert build["image"]["entrypoint"] == [""]
    assert "services" not in build, "no Docker-in-Docker"
    script = " ".join(build["script"])
    assert '--context "$CI_PROJECT_DIR"' in script
    assert '--dockerfile "$CI_PROJECT_DIR/$DOCKERFILE"' in script
    assert '--build-arg "SERVICE=$SERVICE"' in script and '--build-arg "PORT=${PORT:-}"' in script
    assert '--destination "$CI_REGISTRY_IMAGE/$SERVICE:$CI_COMMIT_SHA"' in script


def test_ci_builds_each_image_from_its_dockerfile_with_its_build_arguments(ci):
    built = {}
    for entry in ci["build"]["parallel"]["matrix"]:
        # One job per entry: each variable is a single value, not a list to multiply out.
        assert all(isinstance(value, str) for value in entry.values()), entry
        built[entry["SERVICE"]] = entry
    assert sorted(built) == sorted(SERVICES)
    for service, entry in built.items():
        path, args = image_build(service)
        assert entry["DOCKERFILE"] == str(path.relative_to(ROOT)), service
        # The script passes SERVICE and PORT (empty when the entry has none) to every build.
        passed = {"SERVICE": service, "PORT": entry.get("PORT", "")}
        assert passed == {"SERVICE": service, "PORT": "", **args}, service


def test_deploy_runs_only_on_main_and_uses_the_release_script(ci):
    deploy = ci["deploy"]
    assert deploy["stage"] == "deploy"
    assert deploy["rules"] == [{"if": '$CI_COMMIT_BRANCH == "main"'}]
    script = " ".join(deploy["script"])
    assert 'IMAGE_TAG="$CI_COMMIT_SHA"' in script and "bash k8s/deploy.sh" in script


def run_deploy(**env) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "KUBECTL": tool("kubectl"), "DRY_RUN": "1"}
    return subprocess.run(
        ["bash", str(ROOT / "k8s" / "deploy.sh")], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


RELEASE = {
    "IMAGE_REGISTRY": "registry.example.com/shop/ticketing",
    "IMAGE_TAG": "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567",
    "WORKLOAD_TOKEN": "ci-workload-token-value",
    "PAYMENT_TOKEN": "ci-payment-token-value",
    "ADMIN_TOKEN": "ci-admin-token-value",
}


def test_the_release_script_deploys_the_commit_images_with_the_real_tokens():
    proc = run_deploy(**RELEASE, REGISTRY_HOST="registry.example.com", REGISTRY_USER="deployer", REGISTRY_PASSWORD="pw")
    assert proc.returncode == 0, proc.stderr
    objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
    for workload in workloads(objects):
        image = containers(workload)[0]["image"]
        name = workload["metadata"]["name"]
        if name != "redis":
            assert image == f"{RELEASE['IMAGE_REGISTRY']}/{name}:{RELEASE['IMAGE_TAG']}"
    generator = next(w for w in workloads(objects) if w["metadata"]["name"] == "workload-generator")
    assert container_env(objects, containers(generator)[0])["WORKLOAD_TOKEN"] == RELEASE["WORKLOAD_TOKEN"]
    (tokens,) = [s for s in of_kind(objects, "Secret") if s["metadata"]["name"].startswith("ticketing-secrets")]
    assert {k: base64.b64decode(v).decode() for k, v in tokens["data"].items()} == {
        "WORKLOAD_TOKEN": RELEASE["WORKLOAD_TOKEN"],
        "PAYMENT_TOKEN": RELEASE["PAYMENT_TOKEN"],
        "ADMIN_TOKEN": RELEASE["ADMIN_TOKEN"],
    }
    (pull,) = [s for s in of_kind(objects, "Secret") if s["type"] == "kubernetes.io/dockerconfigjson"]
    auths = json.loads(base64.b64decode(pull["data"][".dockerconfigjson"]))["auths"]
    assert base64.b64decode(auths["registry.example.com"]["auth"]).decode() == "deployer:pw"
    for deployment in of_kind(objects, "Deployment"):
        assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": pull["metadata"]["name"]}]
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSIONS[0], strict=True)
    assert not list((ROOT / "k8s").glob(".deploy.*")), "the throwaway kustomization is removed"


@pytest.mark.parametrize("missing", ["IMAGE_TAG", "WORKLOAD_TOKEN", "PAYMENT_TOKEN"])
def test_the_release_script_refuses_to_run_without_its_inputs(missing):
    proc = run_deploy(**{k: v for k, v in RELEASE.items() if k != missing})
    assert proc.returncode != 0 and f"{missing} is not set" in proc.stderr


def test_the_release_script_refuses_placeholder_tokens():
    proc = run_deploy(**{**RELEASE, "ADMIN_TOKEN": "placeholder-change-me-admin-token"})
    assert proc.returncode != 0 and "ADMIN_TOKEN is still a placeholder" in proc.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_shell_scripts_parse_and_pass_shellcheck(script):
    syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    lint = subprocess.run([tool("shellcheck"), "--shell=bash", str(script)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert os.access(script, os.X_OK), f"{script.name} is not executable"


def test_the_demo_builds_each_image_from_its_dockerfile_with_its_build_arguments(tmp_path):
    """k8s/demo.sh up to its builds, with stand-ins for kubectl and docker: the docker stand-in
    records each build and fails the last one, which stops the script there."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "kubectl").write_text('#!/bin/sh\n[ "$1 $2" = "config current-context" ] && echo kind-test\nexit 0\n')
    (fake / "docker").write_text(
        '#!/bin/sh\nprintf "%s\\n" "$*" >>"$DOCKER_LOG"\ncase "$*" in *ticketing/frontend:*) exit 3 ;; esac\n'
    )
    for stub in ("kubectl", "docker"):
        (fake / stub).chmod(0o755)
    log = tmp_path / "docker.log"
    proc = subprocess.run(
        ["bash", str(ROOT / "k8s" / "demo.sh")],
        env={"PATH": f"{fake}:{os.environ['PATH']}", "DOCKER_LOG": str(log), "LOAD_INTO": "none"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    builds = {}
    for line in log.read_text().splitlines():
        words = line.split()
        assert words[0] == "build" and words[-1] == ".", line  # from the repository root
        tag = words[words.index("-t") + 1]
        builds[tag.removeprefix("ticketing/").removesuffix(":latest")] = words
    assert sorted(builds) == sorted(SERVICES)
    for service, words in builds.items():
        path, args = image_build(service)
        assert words[words.index("-f") + 1] == str(path.relative_to(ROOT)), service
        given = dict(words[i + 1].split("=", 1) for i, w in enumerate(words) if w == "--build-arg")
        assert given == args, service


def test_the_demo_applies_an_overlay_starts_load_and_shows_how_to_watch():
    demo = (ROOT / "k8s" / "demo.sh").read_text()
    assert 'kubectl apply -k "k8s/overlays/$OVERLAY"' in demo
    assert (ROOT / "k8s" / "overlays" / "local" / "kustomization.yaml").exists()
    for service in SERVICES:
        assert service in demo
    assert "rollout status" in demo and "port-forward svc/frontend" in demo
    assert '/start"' in demo and "Authorization: Bearer" in demo
    assert "kubectl get hpa -w -n $NAMESPACE" in demo and "kubectl get pods -w -n $NAMESPACE" in demo
    down = (ROOT / "k8s" / "down.sh").read_text()
    assert 'kubectl delete namespace "$NAMESPACE"' in down
