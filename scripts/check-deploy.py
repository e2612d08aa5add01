#!/usr/bin/env python3
"""Checks deploy/ without a cluster: every Kubernetes manifest against the
official OpenAPI schemas (kubernetes-validate, strict: unknown fields fail),
then the promises the manifests make to each other and to the binary.

    python3 scripts/check-deploy.py [PATH_TO_policy-classifier_BINARY]

With a binary, every POLICY_CLASSIFIER_* variable the manifests and the
Dockerfile set must be one `policy-classifier serve --help` lists.
Run by `cargo test --test deploy`. Needs: pip install kubernetes-validate.
"""
import pathlib
import re
import subprocess
import sys

try:
    import kubernetes_validate
    import yaml
except ImportError as missing:
    sys.exit(f"{missing.name} is missing: pip install kubernetes-validate "
             "(or run scripts/install-test-tools.sh)")

ROOT = pathlib.Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes we support: native gRPC probes are GA since 1.27.
KUBERNETES_VERSION = "1.27.0"
SERVICE = "policy.classifier.v1.PolicyClassifier"
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def load():
    resources = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            try:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as e:
                problems.append(f"{path.name}: {doc['kind']}/{doc['metadata']['name']}: "
                                f"{'.'.join(map(str, e.path))}: {e.message}")
            resources.setdefault(doc["kind"], []).append(doc)
    return resources


def check_deployment(deployment):
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    check(deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(),
          "Deployment selector does not match its pod labels")
    server = pod["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in server.get("ports", [])}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        grpc = server.get(probe, {}).get("grpc")
        check(grpc is not None, f"server {probe} is not a native gRPC probe")
        if grpc:
            check(grpc["port"] == ports.get("grpc"), f"{probe} does not probe the grpc port")
    readiness = server.get("readinessProbe", {}).get("grpc", {})
    check(readiness.get("service") == SERVICE,
          f"readiness must ask health about {SERVICE} (it turns SERVING with the model)")
    check("cpu" in server.get("resources", {}).get("requests", {}),
          "server has no CPU request: the HPA cannot compute utilisation")
    env = {e["name"]: e.get("value") for e in server.get("env", [])}
    model = env.get("POLICY_CLASSIFIER_MODEL", "")
    mounts = [m["mountPath"] for m in server.get("volumeMounts", [])]
    check(any(model.startswith(m + "/") for m in mounts),
          f"POLICY_CLASSIFIER_MODEL={model!r} is not on a mounted volume {mounts}")
    metrics = env.get("POLICY_CLASSIFIER_METRICS_ADDR", "")
    check(metrics.endswith(f":{ports.get('metrics')}"),
          "POLICY_CLASSIFIER_METRICS_ADDR does not match the metrics port")
    check(env.get("POLICY_CLASSIFIER_ADDR", "").endswith(f":{ports.get('grpc')}"),
          "POLICY_CLASSIFIER_ADDR does not match the grpc port")
    check(pod["spec"].get("shareProcessNamespace") is True,
          "the model reloader needs shareProcessNamespace to signal the server")
    return labels, set(env)


def check_services(services, pod_labels):
    check(any(s["spec"].get("clusterIP") == "None" for s in services),
          "no headless Service for client-side balancing")
    for s in services:
        name = s["metadata"]["name"]
        check(s["spec"]["selector"].items() <= pod_labels.items(),
              f"Service {name} selects no pod of the Deployment")
        grpc = [p for p in s["spec"]["ports"] if p["name"] == "grpc"]
        check(grpc and grpc[0].get("appProtocol") == "grpc",
              f"Service {name} does not mark its grpc port appProtocol: grpc")


def check_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for item in source.split():
            check((ROOT / item).exists(), f"Dockerfile copies {item}, which does not exist")
    check(re.search(r"^FROM .+ AS build$", text, re.M) is not None,
          "Dockerfile is not multi-stage (no `FROM ... AS build`)")
    check("EXPOSE 50051" in text, "Dockerfile does not expose 50051")
    return set(re.findall(r"POLICY_CLASSIFIER_[A-Z_]+", text))


def check_env_known(names, binary):
    helps = ""
    for command in ("serve", "train", "eval", "classify"):
        helps += subprocess.run([binary, command, "--help"], capture_output=True,
                                text=True, check=True).stdout
    known = set(re.findall(r"env: (POLICY_CLASSIFIER_[A-Z_]+)=", helps))
    check("POLICY_CLASSIFIER_ADDR" in known, "serve --help shows no environment variables")
    for name in sorted(names - known):
        problems.append(f"{name} is set by deploy/ but no subcommand reads it")


def main():
    resources = load()
    deployments = resources.get("Deployment", [])
    check(len(deployments) == 1, "expected one Deployment")
    env = set()
    if deployments:
        labels, env = check_deployment(deployments[0])
        check_services(resources.get("Service", []), labels)
        for hpa in resources.get("HorizontalPodAutoscaler", []):
            target = hpa["spec"]["scaleTargetRef"]
            check((target["kind"], target["name"]) ==
                  ("Deployment", deployments[0]["metadata"]["name"]),
                  "the HPA does not scale the Deployment")
    check("HorizontalPodAutoscaler" in resources, "no HorizontalPodAutoscaler")
    env |= check_dockerfile()
    if len(sys.argv) > 1:
        check_env_known(env, sys.argv[1])
    if problems:
        print("deploy/ check failed:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    count = sum(len(v) for v in resources.values())
    print(f"deploy/: {count} manifests valid against Kubernetes {KUBERNETES_VERSION} "
          "(strict) and consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
