"""Credentials come from the kubernetes package's loaders; these tests pin what we read.

Each kubeconfig is written to a temporary directory; certificates are generated with the
openssl CLI, and the exec plugin is a small Python script that counts its runs.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import logging
import shutil
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.kube.credentials import (
    ClusterCredentials,
    CredentialsError,
    load_credentials,
    load_incluster_credentials,
)

SERVER = "https://127.0.0.1:6443"


def write_kubeconfig(
    directory: Path,
    *,
    user: dict[str, Any],
    cluster: dict[str, Any] | None = None,
    contexts: tuple[str, ...] = ("dev",),
    current: str | None = "dev",
) -> Path:
    cluster = {"server": SERVER, "insecure-skip-tls-verify": True} if cluster is None else cluster
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": name, "context": {"cluster": "c", "user": "u"}} for name in contexts],
    }
    if current is not None:
        document["current-context"] = current
    path = directory / "kubeconfig"
    path.write_text(yaml.safe_dump(document))
    return path


def load(path: Path, *, context: str | None = None, recheck: float = 0.0) -> ClusterCredentials:
    return load_credentials(kubeconfig=str(path), context=context, recheck_interval=recheck)


# --- tokens -------------------------------------------------------------------------------


def test_directly_built_credentials_are_anonymous() -> None:
    creds = ClusterCredentials(host="http://127.0.0.1:8001", ssl=False)
    assert creds.authorization() is None
    creds.force_refresh()  # anonymous credentials have nothing to refresh


def test_kubeconfig_token(tmp_path: Path) -> None:
    creds = load(write_kubeconfig(tmp_path, user={"token": "abc123"}))
    assert creds.host == SERVER
    assert creds.authorization() == "Bearer abc123"


def test_server_trailing_slash_is_dropped(tmp_path: Path) -> None:
    cluster = {"server": "http://127.0.0.1:8001/"}
    creds = load(write_kubeconfig(tmp_path, user={"token": "t"}, cluster=cluster))
    assert (creds.host, creds.ssl) == ("http://127.0.0.1:8001", False)


def test_token_file_is_read_and_reread_on_force_refresh(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("first\n")
    creds = load(write_kubeconfig(tmp_path, user={"tokenFile": "token"}))  # relative path
    assert creds.authorization() == "Bearer first"
    token_file.write_text("second\n")
    creds.force_refresh()
    assert creds.authorization() == "Bearer second"


def test_basic_auth_is_rejected(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={"username": "admin", "password": "secret"})
    with pytest.raises(CredentialsError, match=r"basic auth\), which Kubernetes removed in 1\.19"):
        load(path)


def test_https_without_any_credentials_is_rejected(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={})
    with pytest.raises(CredentialsError, match=r"no credentials for https://127\.0\.0\.1:6443"):
        load(path)


def test_plain_http_without_credentials_is_anonymous(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={}, cluster={"server": "http://127.0.0.1:8001"})
    creds = load(path)
    assert (creds.host, creds.ssl, creds.authorization()) == ("http://127.0.0.1:8001", False, None)


# --- exec plugin --------------------------------------------------------------------------

PLUGIN = textwrap.dedent(
    """
    import datetime, json, pathlib, sys

    runs_file, lifetime, fail = pathlib.Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    runs = int(runs_file.read_text()) + 1 if runs_file.exists() else 1
    runs_file.write_text(str(runs))
    if fail == "fail":
        sys.exit("not logged in to the identity provider")
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
    print(json.dumps({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {
            "token": f"token-{runs}",
            "expirationTimestamp": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }))
    """
)


def exec_kubeconfig(tmp_path: Path, *, lifetime: float, fail: bool = False) -> tuple[Path, Path]:
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    runs = tmp_path / "runs"
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(script), str(runs), str(lifetime), "fail" if fail else "ok"],
            "interactiveMode": "Never",
        }
    }
    return write_kubeconfig(tmp_path, user=user), runs


def test_exec_plugin_token(tmp_path: Path) -> None:
    path, runs = exec_kubeconfig(tmp_path, lifetime=3600)
    creds = load(path)
    assert creds.authorization() == "Bearer token-1"
    assert creds.authorization() == "Bearer token-1"
    assert runs.read_text() == "1"


def test_expired_exec_token_is_renewed_by_running_the_plugin_again(tmp_path: Path) -> None:
    path, runs = exec_kubeconfig(tmp_path, lifetime=-60)
    creds = load(path)
    assert runs.read_text() == "1"
    assert creds.authorization() == "Bearer token-2"
    assert runs.read_text() == "2"


def test_expired_exec_token_waits_for_the_recheck_interval(tmp_path: Path) -> None:
    path, runs = exec_kubeconfig(tmp_path, lifetime=-60)
    creds = load(path, recheck=3600)
    assert [creds.authorization() for _ in range(100)] == ["Bearer token-1"] * 100
    assert runs.read_text() == "1"


def test_force_refresh_reruns_a_valid_plugin_once_for_a_burst(tmp_path: Path) -> None:
    path, runs = exec_kubeconfig(tmp_path, lifetime=3600)
    creds = load(path, recheck=3600)
    for _ in range(5):  # five watches got a 401 at the same moment
        creds.force_refresh()
    assert creds.authorization() == "Bearer token-2"
    assert runs.read_text() == "2"


def test_failing_exec_plugin_explains_why(tmp_path: Path) -> None:
    path, _runs = exec_kubeconfig(tmp_path, lifetime=3600, fail=True)
    with pytest.raises(CredentialsError) as error:
        load(path)
    assert str(error.value) == (
        f"kubeconfig {path}: exec: process returned 1. not logged in to the identity provider"
    )


def test_failed_renewal_keeps_the_old_token_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, _runs = exec_kubeconfig(tmp_path, lifetime=-60)
    creds = load(path)
    (tmp_path / "plugin.py").write_text("import sys; sys.exit('idp down')")
    with caplog.at_level(logging.WARNING):
        assert creds.authorization() == "Bearer token-1"
    [record] = [r for r in caplog.records if r.name == "exporter.kube.credentials"]
    assert record.getMessage() == "credential refresh failed; keeping the previous token"
    assert "idp down" in record.__dict__["error"]


# --- TLS ----------------------------------------------------------------------------------

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl CLI")


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", f"/CN={name}",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


async def handshake(
    creds: ClusterCredentials, server_cert: Path, server_key: Path, client_ca: Path
) -> str:
    """Mutual TLS against a local server; returns the client's CN as the server saw it."""
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ssl.load_cert_chain(server_cert, server_key)
    server_ssl.load_verify_locations(client_ca)
    server_ssl.verify_mode = ssl.CERT_REQUIRED
    seen: list[str] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peercert")
        seen.append(dict(item[0] for item in peer["subject"])["commonName"])
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=server_ssl)
    port = server.sockets[0].getsockname()[1]
    async with server:
        assert isinstance(creds.ssl, ssl.SSLContext)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=creds.ssl)
        await reader.read()
        writer.close()
    return seen[0]


@needs_openssl
@pytest.mark.parametrize("inline", [False, True], ids=["files", "base64-data"])
async def test_client_certificate(tmp_path: Path, inline: bool) -> None:
    server_cert, server_key = make_cert(tmp_path, "apiserver")
    client_cert, client_key = make_cert(tmp_path, "exporter")
    if inline:
        cluster = {"server": SERVER, "certificate-authority-data": b64(server_cert)}
        user = {
            "client-certificate-data": b64(client_cert),
            "client-key-data": b64(client_key),
        }
    else:
        cluster = {"server": SERVER, "certificate-authority": str(server_cert)}
        user = {"client-certificate": str(client_cert), "client-key": str(client_key)}
    creds = load(write_kubeconfig(tmp_path, user=user, cluster=cluster))
    assert creds.authorization() is None
    assert await handshake(creds, server_cert, server_key, client_cert) == "exporter"


@needs_openssl
async def test_server_outside_the_ca_is_refused(tmp_path: Path) -> None:
    server_cert, server_key = make_cert(tmp_path, "apiserver")
    other_ca, _ = make_cert(tmp_path, "other")
    client_cert, client_key = make_cert(tmp_path, "exporter")
    cluster = {"server": SERVER, "certificate-authority": str(other_ca)}
    user = {"client-certificate": str(client_cert), "client-key": str(client_key)}
    creds = load(write_kubeconfig(tmp_path, user=user, cluster=cluster))
    with pytest.raises(ssl.SSLCertVerificationError):
        await handshake(creds, server_cert, server_key, client_cert)


@needs_openssl
def test_tls_server_name_is_passed_on(tmp_path: Path) -> None:
    ca, _ = make_cert(tmp_path, "apiserver")
    cluster = {"server": SERVER, "certificate-authority": str(ca), "tls-server-name": "kubernetes"}
    creds = load(write_kubeconfig(tmp_path, user={"token": "t"}, cluster=cluster))
    assert creds.tls_server_name == "kubernetes"
    assert isinstance(creds.ssl, ssl.SSLContext)
    assert creds.ssl.verify_mode == ssl.CERT_REQUIRED


def test_insecure_skip_tls_verify_without_client_cert_disables_tls_checks(tmp_path: Path) -> None:
    creds = load(write_kubeconfig(tmp_path, user={"token": "t"}))
    assert creds.ssl is False


def test_unreadable_ca_is_reported(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("not a certificate")
    cluster = {"server": SERVER, "certificate-authority": str(tmp_path / "ca.crt")}
    with pytest.raises(CredentialsError, match="cannot load CA certificate"):
        load(write_kubeconfig(tmp_path, user={"token": "t"}, cluster=cluster))


# --- kubeconfig errors and selection ------------------------------------------------------


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as error:
        load(tmp_path / "nope")
    assert str(error.value) == f"kubeconfig {tmp_path / 'nope'}: file does not exist"


def test_unknown_context_lists_the_available_ones(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={"token": "t"}, contexts=("dev", "prod"))
    with pytest.raises(CredentialsError) as error:
        load(path, context="staging")
    assert str(error.value) == (
        f'kubeconfig {path} context "staging": context "staging" not found (available: dev, prod)'
    )


def test_context_selects_among_several(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, user={"token": "t"}, contexts=("dev", "prod"), current=None)
    assert load(path, context="prod").authorization() == "Bearer t"


def test_invalid_yaml_kubeconfig(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("clusters: [\n")
    with pytest.raises(CredentialsError, match=f"kubeconfig {path}: not valid YAML"):
        load(path)


def test_kubeconfig_env_is_used_outside_a_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path, user={"token": "from-env"})))
    creds = load_credentials(kubeconfig=None, context=None)
    assert creds.authorization() == "Bearer from-env"


def test_home_kubeconfig_is_the_last_resort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kube").mkdir()
    write_kubeconfig(tmp_path / ".kube", user={"token": "from-home"}).rename(
        tmp_path / ".kube" / "config"
    )
    assert load_credentials(kubeconfig=None, context=None).authorization() == "Bearer from-home"


def test_nothing_found_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(CredentialsError) as error:
        load_credentials(kubeconfig=None, context=None)
    assert str(error.value) == (
        "no Kubernetes credentials found: KUBERNETES_SERVICE_HOST is not set (not running in "
        "a pod) and there is no kubeconfig at ~/.kube/config; pass --kubeconfig"
    )


def test_in_cluster_is_chosen_when_the_service_host_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path, user={"token": "t"})))
    with pytest.raises(CredentialsError, match=r"^in-cluster config \(token /var/run/secrets"):
        load_credentials(kubeconfig=None, context=None)


def test_explicit_kubeconfig_wins_inside_a_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    path = write_kubeconfig(tmp_path, user={"token": "explicit"})
    assert load(path).authorization() == "Bearer explicit"


# --- in-cluster service account -----------------------------------------------------------


@pytest.fixture
def service_account(tmp_path: Path) -> Path:
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text("token-1\n")
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl CLI")
    make_cert(directory, "ca")
    return directory


def incluster(
    directory: Path, *, reread: datetime.timedelta, host: str = "10.0.0.1"
) -> ClusterCredentials:
    return load_incluster_credentials(
        token_file=str(directory / "token"),
        ca_file=str(directory / "ca.crt"),
        environ={"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": "443"},
        token_reread_interval=reread,
        recheck_interval=0.0,
    )


def test_in_cluster_host_ca_and_token(service_account: Path) -> None:
    creds = incluster(service_account, reread=datetime.timedelta(minutes=1))
    assert creds.host == "https://10.0.0.1:443"
    assert creds.authorization() == "Bearer token-1"  # "bearer" and the newline normalised
    assert isinstance(creds.ssl, ssl.SSLContext)
    assert [c["subject"] for c in creds.ssl.get_ca_certs()] == [((("commonName", "ca"),),)]


def test_in_cluster_ipv6_service_host(service_account: Path) -> None:
    creds = incluster(service_account, reread=datetime.timedelta(minutes=1), host="fd00::1")
    assert creds.host == "https://[fd00::1]:443"


def test_rotated_token_is_picked_up_after_the_reread_interval(service_account: Path) -> None:
    creds = incluster(service_account, reread=datetime.timedelta(milliseconds=300))
    (service_account / "token").write_text("token-2\n")  # what the kubelet does hourly
    assert creds.authorization() == "Bearer token-1"
    time.sleep(0.35)
    assert creds.authorization() == "Bearer token-2"


def test_force_refresh_rereads_the_token_file_at_once(service_account: Path) -> None:
    creds = incluster(service_account, reread=datetime.timedelta(hours=1))
    (service_account / "token").write_text("token-2")
    creds.force_refresh()
    assert creds.authorization() == "Bearer token-2"


def test_failed_reload_keeps_the_previous_credentials(
    service_account: Path, caplog: pytest.LogCaptureFixture
) -> None:
    creds = incluster(service_account, reread=datetime.timedelta(hours=1))
    (service_account / "token").unlink()
    with caplog.at_level(logging.WARNING):
        creds.force_refresh()
    assert creds.authorization() == "Bearer token-1"
    assert [r.getMessage() for r in caplog.records] == ["credential reload failed"]


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        pytest.param("token", None, "Service token file does not exist", id="no-token"),
        pytest.param("token", "", "Token file exists but empty", id="empty-token"),
        pytest.param("ca.crt", None, "Service certification file does not exist", id="no-ca"),
    ],
)
def test_in_cluster_errors(
    service_account: Path, file: str, content: str | None, message: str
) -> None:
    if content is None:
        (service_account / file).unlink()
    else:
        (service_account / file).write_text(content)
    with pytest.raises(CredentialsError, match=message):
        incluster(service_account, reread=datetime.timedelta(minutes=1))
