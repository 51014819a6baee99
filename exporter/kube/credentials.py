"""Where the API server is, how to trust it, and what to send as ``Authorization``.

The exporter talks to the API with its own aiohttp client; the ``kubernetes`` package is
used only for its config loaders. They already implement kubeconfig merging, relative
paths, ``*-data`` fields, exec credential plugins and the hourly-rotated in-cluster
service-account token, so following them keeps us accepting exactly what kubectl's
Python sibling accepts. Their result is a ``kubernetes.client.Configuration`` whose
``refresh_api_key_hook`` knows when a token must be renewed; we read that object and
never construct its API client.

Selection mirrors client-go: ``--kubeconfig`` if given; otherwise the pod's service
account when ``KUBERNETES_SERVICE_HOST`` is set; otherwise ``$KUBECONFIG`` or
``~/.kube/config``. Naming a context implies a kubeconfig.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import os
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Final

import yaml
from kubernetes.client import Configuration
from kubernetes.config import incluster_config, kube_config
from kubernetes.config.config_exception import ConfigException

__all__ = [
    "DEFAULT_RECHECK_INTERVAL",
    "SERVICE_ACCOUNT_CA_FILE",
    "SERVICE_ACCOUNT_TOKEN_FILE",
    "ClusterCredentials",
    "CredentialsError",
    "load_credentials",
    "load_incluster_credentials",
]

log = logging.getLogger(__name__)

SERVICE_ACCOUNT_TOKEN_FILE: Final[str] = incluster_config.SERVICE_TOKEN_FILENAME
SERVICE_ACCOUNT_CA_FILE: Final[str] = incluster_config.SERVICE_CERT_FILENAME

DEFAULT_RECHECK_INTERVAL: Final[float] = 10.0
"""Seconds between consultations of the loader's refresh hook.

The hook is what may re-read the token file or run an exec plugin; asking it at most
this often keeps ``authorization()`` a clock read on the per-request path and bounds how
often a failing plugin is spawned. Kubelet rotates projected tokens long before they
expire and the loaders renew exec tokens five minutes early, so ten seconds of lag is
harmless.
"""

_RELOAD_COALESCE: Final[float] = 1.0
"""Every watch that gets a 401 calls ``force_refresh``; one reload serves them all."""

_INCLUSTER_TOKEN_REREAD: Final = datetime.timedelta(minutes=1)
_LOADER_DIR: Final[str] = os.path.dirname(kube_config.__file__)


class CredentialsError(Exception):
    """No usable credentials; the message says where we looked and what was wrong."""


@dataclass(frozen=True)
class _Source:
    """One way of obtaining a ``Configuration``, kept so a 401 can re-run it from scratch."""

    where: str
    load: Callable[[], Configuration]


@contextlib.contextmanager
def _loader_errors() -> Iterator[list[str]]:
    """Collect what the loaders report only via ``logging.error`` on the root logger.

    A failing exec plugin is logged and swallowed, leaving no token; capturing the
    message lets our error say *why* instead of a bare "no credentials".
    """
    messages: list[str] = []

    def collect(record: logging.LogRecord) -> bool:
        if os.path.dirname(record.pathname) == _LOADER_DIR:
            messages.append(record.getMessage())
            return False
        return True

    root = logging.getLogger()
    guard = logging.NullHandler()  # stops logging.error() from running basicConfig()
    root.addFilter(collect)
    root.addHandler(guard)
    try:
        yield messages
    finally:
        root.removeHandler(guard)
        root.removeFilter(collect)


def _normalise(raw: str | None, where: str) -> str | None:
    """Canonical ``Bearer <token>``: in-cluster says ``bearer`` and keeps the file's newline."""
    if not raw:
        return None
    scheme, _, token = raw.partition(" ")
    if scheme.lower() == "basic":
        raise CredentialsError(
            f"{where}: the user authenticates with username/password (basic auth), which "
            "Kubernetes removed in 1.19; use a token, tokenFile, client certificate or "
            "exec plugin"
        )
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise CredentialsError(f"{where}: unsupported authorization scheme {scheme!r}")
    return f"Bearer {token}"


def _current_header(config: Configuration, where: str) -> str | None:
    """The header as loaded, without running the refresh hook."""
    raw: str | None = config.api_key.get("BearerToken") or config.api_key.get("authorization")
    return _normalise(raw, where)


def _refreshed_header(config: Configuration, where: str) -> str | None:
    """The header after the loader's hook had its chance to renew the token.

    The loaders store the token under ``BearerToken`` (``authorization`` is its alias in
    ``Configuration.auth_settings``) with the scheme already in the value.
    """
    return _normalise(config.get_api_key_with_prefix("BearerToken", alias="authorization"), where)


def _ssl_context(config: Configuration, where: str) -> SSLContext | bool:
    """aiohttp's ``ssl=`` value: a context with CA and client cert, or False for none."""
    if config.host.startswith("http://"):
        return False
    cert_file: str | None = config.cert_file or None
    key_file: str | None = config.key_file or None
    if not config.verify_ssl and cert_file is None:
        return False
    ca_file: str | None = config.ssl_ca_cert or None
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except OSError as error:
        raise CredentialsError(f"{where}: cannot load CA certificate {ca_file}: {error}") from None
    if not config.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file is not None:
        try:
            context.load_cert_chain(cert_file, key_file)
        except OSError as error:
            raise CredentialsError(
                f"{where}: cannot load client certificate {cert_file} / key {key_file}: {error}"
            ) from None
    return context


def _validated(config: Configuration, where: str, loader_errors: list[str]) -> Configuration:
    host: str = config.host
    if not host:
        raise CredentialsError(f"{where}: the cluster has no server address")
    if not host.startswith(("https://", "http://")):
        raise CredentialsError(f"{where}: server {host!r} must start with https:// or http://")
    header = _current_header(config, where)
    if loader_errors and header is None:
        raise CredentialsError(f"{where}: {'; '.join(loader_errors)}")
    for message in loader_errors:
        log.warning("credential loader reported an error", extra={"error": message})
    # Plain http is how kubectl proxy and local test servers are reached, without auth.
    if header is None and not config.cert_file and host.startswith("https://"):
        raise CredentialsError(
            f"{where}: no credentials for {host} (need a token, tokenFile, client "
            "certificate or exec plugin)"
        )
    return config


def _kubeconfig_source(path: str, context: str | None, *, explicit: bool) -> _Source:
    where = f"kubeconfig {path}" + (f' context "{context}"' if context else "")

    def load() -> Configuration:
        paths = [os.path.expanduser(p) for p in path.split(os.pathsep) if p]
        if not any(os.path.exists(p) for p in paths):
            if explicit:
                raise CredentialsError(f"kubeconfig {path}: file does not exist")
            raise CredentialsError(
                "no Kubernetes credentials found: KUBERNETES_SERVICE_HOST is not set (not "
                f"running in a pod) and there is no kubeconfig at {path}; pass --kubeconfig"
            )
        config = Configuration()
        config.host = ""  # the loader leaves it alone when the cluster has no server
        with _loader_errors() as errors:
            try:
                kube_config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=path,
                    context=context,
                    client_configuration=config,
                    persist_config=False,
                )
            except ConfigException as error:
                raise CredentialsError(f"{where}: {_explain(error, path, context)}") from None
            except yaml.YAMLError as error:
                raise CredentialsError(f"{where}: not valid YAML: {error}") from None
            except OSError as error:
                raise CredentialsError(f"{where}: {error}") from None
            except (KeyError, TypeError, AttributeError, ValueError) as error:
                raise CredentialsError(f"{where}: malformed kubeconfig: {error!r}") from None
        return _validated(config, where, errors)

    return _Source(where, load)


def _explain(error: ConfigException, path: str, context: str | None) -> str:
    """Turn the loader's "Expected object with name X" into which contexts exist."""
    if context is not None:
        try:
            contexts, _current = kube_config.list_kube_config_contexts(  # type: ignore[no-untyped-call]
                config_file=path
            )
            names = [entry["name"] for entry in contexts]
        except Exception:  # only improving a message; the original error stands
            return str(error)
        if context not in names:
            return f'context "{context}" not found (available: {", ".join(names) or "none"})'
    return str(error)


def _incluster_source(
    token_file: str,
    ca_file: str,
    environ: Mapping[str, str],
    token_reread_interval: datetime.timedelta,
) -> _Source:
    where = f"in-cluster config (token {token_file}, CA {ca_file})"

    def load() -> Configuration:
        loader = incluster_config.InClusterConfigLoader(  # type: ignore[no-untyped-call]
            token_filename=token_file,
            cert_filename=ca_file,
            try_refresh_token=True,
            environ=environ,
        )
        # Not a constructor parameter: how long the hook trusts the token it read.
        loader._token_refresh_period = token_reread_interval
        config = Configuration()
        try:
            loader.load_and_set(config)  # type: ignore[no-untyped-call]
        except (ConfigException, OSError) as error:
            raise CredentialsError(f"{where}: {error}") from None
        return _validated(config, where, [])

    return _Source(where, load)


class _Auth:
    """Caches the loader's header so the per-request path is a clock comparison."""

    def __init__(self, source: _Source, config: Configuration, *, recheck_interval: float):
        self.source = source
        self._config = config
        self._recheck_interval = recheck_interval
        self._header = _current_header(config, source.where)
        self._checked_at = time.monotonic()
        self._reloaded_at = -math.inf

    def header(self) -> str | None:
        now = time.monotonic()
        if now - self._checked_at >= self._recheck_interval:
            self._checked_at = now
            self._header = self._ask_hook()
        return self._header

    def _ask_hook(self) -> str | None:
        """Let the loader renew; on failure keep the old token and let the server judge it."""
        with _loader_errors() as errors:
            try:
                header = _refreshed_header(self._config, self.source.where)
            except Exception as error:  # a refresh problem must not break a request
                errors.append(f"{type(error).__name__}: {error}")
        if errors:
            log.warning(
                "credential refresh failed; keeping the previous token",
                extra={"source": self.source.where, "error": "; ".join(errors)},
            )
            return self._header
        return header

    def reload(self) -> SSLContext | bool | None:
        """Re-run the loader from scratch; returns the new ``ssl``, or None if coalesced."""
        now = time.monotonic()
        if now - self._reloaded_at < _RELOAD_COALESCE:
            return None
        self._reloaded_at = now
        config = self.source.load()
        tls = _ssl_context(config, self.source.where)
        self._config = config
        self._header = _current_header(config, self.source.where)
        self._checked_at = now
        return tls


@dataclass(eq=False)
class ClusterCredentials:
    """How to reach one API server; build it with ``load_credentials``.

    Constructing it directly with only ``host`` and ``ssl`` gives anonymous access,
    which is what tests against a local fake API server want.
    """

    host: str
    """``https://10.0.0.1:443`` or ``http://127.0.0.1:8001``, no trailing slash."""
    ssl: SSLContext | bool
    """Pass as aiohttp's ``ssl=`` per request: ``force_refresh`` may replace it."""
    tls_server_name: str | None = None
    """Pass as aiohttp's ``server_hostname=`` when set (kubeconfig ``tls-server-name``)."""
    _auth: _Auth | None = field(default=None, repr=False)

    def authorization(self) -> str | None:
        """The ``Authorization`` header value for the next request, if any.

        Cheap enough to call per request: the loader's hook, which may re-read a token
        file or run an exec plugin, is consulted at most every ``recheck_interval``.
        """
        return None if self._auth is None else self._auth.header()

    def force_refresh(self) -> None:
        """After a 401: re-run the loader now (token file, exec plugin, cert files).

        Calls within a second of a previous reload do nothing, so many watches failing
        together cause one reload. A failed reload is logged and the previous
        credentials stay: the retried request then fails with a plain 401 that the
        reflector already knows how to back off from.
        """
        if self._auth is None:
            return
        try:
            tls = self._auth.reload()
        except CredentialsError as error:
            log.warning("credential reload failed", extra={"error": str(error)})
            return
        if tls is not None:
            self.ssl = tls


def _credentials(source: _Source, recheck_interval: float) -> ClusterCredentials:
    config = source.load()
    host: str = config.host.rstrip("/")
    tls_server_name: str | None = config.tls_server_name or None
    return ClusterCredentials(
        host=host,
        ssl=_ssl_context(config, source.where),
        tls_server_name=tls_server_name,
        _auth=_Auth(source, config, recheck_interval=recheck_interval),
    )


def load_credentials(
    *,
    kubeconfig: str | None,
    context: str | None,
    recheck_interval: float = DEFAULT_RECHECK_INTERVAL,
) -> ClusterCredentials:
    """Load credentials the way client-go picks them; raises ``CredentialsError``."""
    if kubeconfig is not None:
        source = _kubeconfig_source(kubeconfig, context, explicit=True)
    elif context is None and os.environ.get(incluster_config.SERVICE_HOST_ENV_NAME):
        return load_incluster_credentials(recheck_interval=recheck_interval)
    else:
        default = os.environ.get("KUBECONFIG") or "~/.kube/config"
        source = _kubeconfig_source(default, context, explicit=False)
    return _credentials(source, recheck_interval)


def load_incluster_credentials(
    *,
    token_file: str = SERVICE_ACCOUNT_TOKEN_FILE,
    ca_file: str = SERVICE_ACCOUNT_CA_FILE,
    environ: Mapping[str, str] | None = None,
    token_reread_interval: datetime.timedelta = _INCLUSTER_TOKEN_REREAD,
    recheck_interval: float = DEFAULT_RECHECK_INTERVAL,
) -> ClusterCredentials:
    """The pod's service account; the paths and intervals are parameters for tests.

    The bound token is rotated by the kubelet (hourly by default); the loader re-reads
    the file once ``token_reread_interval`` has passed since the last read.
    """
    source = _incluster_source(
        token_file, ca_file, os.environ if environ is None else environ, token_reread_interval
    )
    return _credentials(source, recheck_interval)
