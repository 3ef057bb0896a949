"""The environment each container gets is the one its code reads, in Kubernetes and in Compose."""

from __future__ import annotations

import re

import pytest
from manifest_lib import (
    PYTHON_SERVICES,
    ROOT,
    SERVICES,
    Dockerfile,
    container_env,
    containers,
    kustomizations,
    load_yaml,
    named,
    of_kind,
    render,
    settings_class,
    settings_env_names,
)
from pydantic import ValidationError

pytestmark = pytest.mark.manifests

KUSTOMIZATIONS = kustomizations()
TEMPLATE = ROOT / "frontend" / "nginx" / "default.conf.template"
COMPOSE = ROOT / "docker-compose.yml"

# Variables a service cannot run without in the cluster (the defaults point at localhost).
REQUIRED = {
    "api-gateway": {"REDIS_URL"},
    "order-worker": {"REDIS_URL", "CONSUMER_NAME"},
    "workload-generator": {"TARGET_API", "WORKLOAD_TOKEN"},
    "payment-provider": {"REDIS_URL", "PAYMENT_TOKEN"},
    "frontend": {"NGINX_PORT", "API_UPSTREAM", "WORKLOAD_UPSTREAM", "LIVE_UPSTREAM", "STATIC_ROOT"},
}


def template_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", TEMPLATE.read_text()))


def allowed_names(service: str) -> set[str]:
    if service == "frontend":
        return template_variables()
    return settings_env_names(settings_class(service))


def k8s_env(objects: list[dict], service: str) -> dict[str, str]:
    deployment = named(objects, "Deployment", service)
    (container,) = containers(deployment)
    return container_env(objects, container, pod_name=f"{service}-7d4b9c-x2x9q")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_env_var_a_container_gets_is_one_its_code_reads(kustomization, service):
    env = k8s_env(render(kustomization), service)
    unknown = set(env) - allowed_names(service)
    assert not unknown, f"{service} gets variables its settings do not read: {sorted(unknown)}"
    missing = REQUIRED[service] - set(env)
    assert not missing, f"{service} lacks {sorted(missing)}"


@pytest.mark.parametrize("service", PYTHON_SERVICES)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_settings_a_container_gets_pass_its_settings_validation(kustomization, service, monkeypatch):
    cls = settings_class(service)
    for name in settings_env_names(cls):  # nothing from the developer's shell may leak in
        monkeypatch.delenv(name, raising=False)
    env = k8s_env(render(kustomization), service)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        settings = cls()
    except ValidationError as e:
        pytest.fail(f"{service} would refuse to start with the {kustomization} settings: {e}")
    assert settings.port == int(env["PORT"])


def test_the_frontend_gets_exactly_the_template_variables():
    assert template_variables() == REQUIRED["frontend"]
    for kustomization in KUSTOMIZATIONS:
        assert set(k8s_env(render(kustomization), "frontend")) == template_variables()


def test_the_frontend_image_substitutes_only_the_template_variables():
    """The nginx entrypoint runs envsubst on every variable matching NGINX_ENVSUBST_FILTER:
    the filter must take the template's four and leave nginx's own ($host ...) alone."""
    dockerfile = (ROOT / "frontend" / "Dockerfile").read_text()
    pattern = re.search(r'NGINX_ENVSUBST_FILTER="([^"]+)"', dockerfile).group(1)
    nginx_variables = set(re.findall(r"\$([a-z_][a-z0-9_]*)", TEMPLATE.read_text()))
    assert {"host", "uri", "remote_addr"} <= nginx_variables
    environment = (
        template_variables()
        | nginx_variables
        | {
            "HOSTNAME",
            "HOME",
            "PATH",
            "NGINX_VERSION",
            "PKG_RELEASE",
            "NGINX_ENVSUBST_FILTER",
            "API_GATEWAY_PORT",
        }
    )
    substituted = {name for name in environment if re.search(pattern, name)}
    assert substituted == template_variables()


def _env_file(path: str) -> dict[str, str]:
    values = {}
    for line in (ROOT / path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def _compose_env(service: dict) -> set[str]:
    names = set()
    for env_file in service.get("env_file", []):
        names |= set(_env_file(env_file if isinstance(env_file, str) else env_file["path"]))
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return names | set(environment)


@pytest.mark.parametrize("service", SERVICES)
def test_compose_gives_each_service_the_same_variables_as_kubernetes(service):
    compose = load_yaml(COMPOSE)["services"][service]
    in_compose = _compose_env(compose)
    in_k8s = set(k8s_env(render("base"), service))
    # The only difference: Kubernetes names each worker after its pod; under Compose the
    # default (<hostname>-<pid>) is unique per replica already.
    only_k8s = {"CONSUMER_NAME"} if service == "order-worker" else set()
    assert in_k8s - in_compose == only_k8s
    assert in_compose - in_k8s == set()
    assert not (in_compose - allowed_names(service))


# The services default to HOST=127.0.0.1 (ServiceSettings); a container must listen on every
# interface, or its Service, its probes (sent to the pod's IP) and the other containers are refused.
ALL_INTERFACES = "0.0.0.0"


@pytest.mark.parametrize("service", PYTHON_SERVICES)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_python_container_in_kubernetes_listens_on_all_interfaces(kustomization, service):
    objects = render(kustomization)
    # The manifest's variables override the image's ENV.
    env = {**Dockerfile.of(service).final_env(), **k8s_env(objects, service)}
    assert env.get("HOST") == ALL_INTERFACES, f"{service} would listen on {env.get('HOST', 'its default')}"
    assert "WORKLOAD_HOST" not in env, "WORKLOAD_HOST is replaced by HOST"
    (container,) = containers(named(objects, "Deployment", service))
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(kind, {}).get("httpGet")
        assert probe is None or "host" not in probe, f"{service}: {kind} must go to the pod's IP"


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_every_python_container_in_compose_listens_on_all_interfaces(service):
    compose = load_yaml(COMPOSE)["services"][service]
    env = Dockerfile.of(service).final_env()
    for env_file in compose.get("env_file", []):
        env.update(_env_file(env_file if isinstance(env_file, str) else env_file["path"]))
    environment = compose.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    env.update({k: str(v) for k, v in environment.items()})
    assert env.get("HOST") == ALL_INTERFACES, f"{service} would listen on {env.get('HOST', 'its default')}"
    assert "WORKLOAD_HOST" not in env, "WORKLOAD_HOST is replaced by HOST"


@pytest.mark.parametrize("service", ["api-gateway", "order-worker", "workload-generator", "payment-provider"])
def test_every_python_service_reads_the_host_its_container_sets(service):
    assert "HOST" in settings_env_names(settings_class(service))


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_secrets_reach_containers_key_by_key(kustomization):
    """envFrom a Secret would hand every token to every container that mounts it."""
    for deployment in of_kind(render(kustomization), "Deployment"):
        for container in containers(deployment):
            assert not any("secretRef" in s for s in container.get("envFrom", [])), deployment["metadata"]["name"]


def looks_like_placeholder(value: str) -> bool:
    return "placeholder" in value and "change-me" in value


def test_the_placeholder_predicate_rejects_real_looking_tokens():
    assert looks_like_placeholder("placeholder-change-me-admin-token")
    for real_looking in ("3f9c2b7e0d1a4c6b8e5f7a9d1c3b5e7f", "s3cr3t", "hunter2", "change-me"):
        assert not looks_like_placeholder(real_looking)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_no_secret_carries_a_value_that_looks_real(kustomization):
    secrets = of_kind(render(kustomization), "Secret")
    assert secrets
    for secret in secrets:
        assert not secret.get("stringData"), secret["metadata"]["name"]
        for key, value in container_env(
            [secret], {"envFrom": [{"secretRef": {"name": secret["metadata"]["name"]}}]}
        ).items():
            # Empty is fine too: it leaves the feature off (the admin API without ADMIN_TOKEN).
            assert value == "" or looks_like_placeholder(value), (
                f"Secret {secret['metadata']['name']} key {key} looks real"
            )


def test_compose_hardcodes_no_token():
    for name, service in load_yaml(COMPOSE)["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items() if isinstance(environment, dict) else []:
            if "TOKEN" in key or "PASSWORD" in key:
                # From a shell variable of the same name, or of the one secret it must equal (the
                # workers' WORKER_PAYMENT_PROVIDER_TOKEN is the provider's PAYMENT_TOKEN), with no default.
                source = SHARED_SECRETS.get(key, key)
                assert re.fullmatch(r"\$\{" + source + r":?-?\}", str(value)), f"{name}: {key} must come from the shell"


# Settings that carry another service's secret: the one shell variable both take it from.
SHARED_SECRETS = {"WORKER_PAYMENT_PROVIDER_TOKEN": "PAYMENT_TOKEN"}
