"""The Kubernetes manifests: every overlay renders with `kubectl kustomize`, every object passes the Kubernetes
API schema (kubernetes-validate, strict: unknown fields fail), and the objects fit together."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from service.settings import Settings
from tests.conftest import ROOT

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
# The oldest Kubernetes the manifests promise to work on, and the newest schemas the validator knows.
SCHEMA_VERSIONS = ("1.27.0", "1.37.0")

pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="kubectl is not installed: the Kubernetes manifests are not rendered or checked "
    "(install kubectl to run tests/deploy/test_k8s.py)",
)


def render(overlay: str) -> list[dict]:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> tuple[str, list[dict]]:
    return request.param, render(request.param)


def one(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def server(objects: list[dict]) -> dict:
    return one(objects, "Deployment", "cablewise")


def pod_containers(workload: dict) -> list[dict]:
    spec = workload["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def test_the_overlays_are_development_and_production():
    assert OVERLAYS == ["development", "production"]


def test_every_object_passes_the_api_schema(rendered):
    import kubernetes_validate

    overlay, objects = rendered
    assert objects
    for version in SCHEMA_VERSIONS:
        for obj in objects:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(
                    f"{overlay}: {obj['kind']}/{obj['metadata']['name']} fails {version}: {exc.message}"
                )


def test_every_object_is_namespaced_by_the_overlay(rendered):
    overlay, objects = rendered
    namespace = one(objects, "Namespace")["metadata"]["name"]
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == namespace, obj["metadata"]["name"]


def test_probes_point_at_readyz_and_healthz(rendered):
    _, objects = rendered
    (container,) = server(objects)["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ports


def test_every_container_has_requests_and_limits_and_runs_locked_down(rendered):
    _, objects = rendered
    for workload in (o for o in objects if o["kind"] in ("Deployment", "Job")):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert pod.get("automountServiceAccountToken") is False
        for container in pod_containers(workload):
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(
                resources["limits"]
            ), container["name"]
            security = container["securityContext"]
            assert (
                security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
            )
            assert security["capabilities"]["drop"] == ["ALL"]


def test_every_cablewise_container_runs_the_overlays_image(rendered):
    overlay, objects = rendered
    images = {
        c["image"]
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "cablewise"
        for c in pod_containers(o)
    }
    assert len(images) == 1, images  # the init container waits with the same image the server runs
    (image,) = images
    assert image != "cablewise" and ":" in image, f"{overlay} must name an image and tag, got {image}"


def test_service_pdb_and_hpa_select_the_server_pods(rendered):
    _, objects = rendered
    deployment = server(objects)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    service = one(objects, "Service", "cablewise")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    pdb = one(objects, "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    hpa = one(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "cablewise",
    }
    assert 1 <= hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
    if "minAvailable" in pdb["spec"]:  # the budget must leave room to drain a node
        assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def test_the_ingress_routes_public_paths_only(rendered):
    _, objects = rendered
    ingress = one(objects, "Ingress")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    routed = {p["path"] for p in paths}
    assert {"/api/", "/widget.js", "/slack/events"} <= routed
    assert not routed & {"/", "/metrics", "/healthz", "/readyz"}
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == "cablewise" and backend["port"] == {"name": "http"}


def test_settings_come_from_the_configmap_and_secret_and_are_all_known(rendered):
    _, objects = rendered
    (container,) = server(objects)["spec"]["template"]["spec"]["containers"]
    sources = {
        (ref.get("configMapRef") or ref.get("secretRef"))["name"]: "configMapRef" in ref
        for ref in container["envFrom"]
    }
    config = one(objects, "ConfigMap", "cablewise-config")
    secret = one(objects, "Secret", "cablewise-secrets")
    assert sources == {"cablewise-config": True, "cablewise-secrets": False}
    known = {f"CABLEWISE_{name.upper()}" for name in Settings.model_fields} | {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_API_URL",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_TIMEOUT",
    }
    keys = set(config["data"]) | set(secret.get("stringData", {})) | set(secret.get("data", {}))
    assert keys <= known, keys - known
    assert not set(config["data"]) & {
        "CABLEWISE_CONTEXT_SECRET",
        "SLACK_SIGNING_SECRET",
        "CABLEWISE_METRICS_TOKEN",
    }
    Settings(
        _env_file=None,
        **{
            k.removeprefix("CABLEWISE_").lower(): v
            for k, v in config["data"].items()
            if k.startswith("CABLEWISE_")
        },
    )  # every value parses


def test_production_builds_the_index_in_a_job_into_the_volume_the_replicas_read():
    objects = render("production")
    job = one(objects, "Job", "cablewise-index-build")
    (builder,) = job["spec"]["template"]["spec"]["containers"]
    assert builder["command"][-2:] == ["index", "/opt/build"] and builder["image"].split(":")[0].endswith(
        "cablewise-build"
    )
    env = {e["name"]: e["value"] for e in builder["env"]}
    claim = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in job["spec"]["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    }
    pvc = one(objects, "PersistentVolumeClaim")
    assert "ReadWriteMany" in pvc["spec"]["accessModes"] and pvc["metadata"]["name"] in claim.values()

    deployment = server(objects)
    config = one(objects, "ConfigMap", "cablewise-config")["data"]
    assert config["CABLEWISE_INDEX_DIR"] == env["CABLEWISE_INDEX_DIR"]
    assert config["CABLEWISE_MODEL_CACHE_DIR"] == env["CABLEWISE_MODEL_CACHE_DIR"]
    for container in pod_containers(deployment):
        (mount,) = [m for m in container["volumeMounts"] if m["name"] == "index"]
        assert mount["readOnly"] is True and env["CABLEWISE_INDEX_DIR"].startswith(mount["mountPath"])
    assert config["CABLEWISE_RATE_LIMIT_STORAGE"].startswith("redis://cablewise-redis:")
    one(objects, "Service", "cablewise-redis")


def test_development_serves_the_index_baked_into_the_image():
    objects = render("development")
    assert not [o for o in objects if o["kind"] in ("Job", "PersistentVolumeClaim")]
    config = one(objects, "ConfigMap", "cablewise-config")["data"]
    assert "CABLEWISE_INDEX_DIR" not in config  # the image's own /app/var/index
