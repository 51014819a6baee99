"""Command-line flags and the optional YAML config file, merged into one ``Settings``.

Flags follow Prometheus exporter conventions (dotted names such as
``--web.listen-address``) so operators can reuse what they know from node_exporter and
kube-state-metrics. Every flag can also be set in the YAML file under the same name
without the dashes. Precedence is defaults < config file < flags given on the command
line; to know which flags were *given*, every argument defaults to ``argparse.SUPPRESS``.

One table of options drives argparse, the config file and the help text, so a flag can
never be accepted in one place and rejected in the other.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import ipaddress
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import yaml

from exporter.log_setup import LOG_FORMATS, LOG_LEVELS, LogFormat, LogLevel
from exporter.logs.formats import FORMAT_NAMES

__all__ = [
    "Settings",
    "SettingsError",
    "add_arguments",
    "format_duration",
    "load_config_file",
    "parse_duration",
    "parse_settings",
    "settings_from_args",
]


class SettingsError(Exception):
    """Invalid configuration; the message names the key and file and is meant for users."""


@dataclass(frozen=True)
class Settings:
    """Everything the exporter is configured with; durations are seconds."""

    listen_address: str = ":9808"
    telemetry_path: str = "/metrics"
    kubeconfig: str | None = None
    kube_context: str | None = None
    namespaces: tuple[str, ...] = ()
    log_level: LogLevel = "info"
    log_format: LogFormat = "logfmt"
    config_file: str | None = None
    list_page_size: int = 500
    watch_timeout: float = 300.0
    watch_inactivity_timeout: float = 120.0
    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    stall_timeout: float = 300.0
    logs_namespace: str = ""
    logs_selector: str = "app.kubernetes.io/name=ingress-nginx"
    logs_container: str = "controller"
    logs_files: tuple[str, ...] = ()
    logs_format: str = "auto"
    warm_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.backoff_max < self.backoff_initial:
            raise SettingsError(
                f"kube.backoff-max ({format_duration(self.backoff_max)}) must not be less "
                f"than kube.backoff-initial ({format_duration(self.backoff_initial)})"
            )

    @property
    def listen_host(self) -> str | None:
        """Host to bind; ``None`` means all interfaces (what ``:9808`` asks for)."""
        return _split_listen_address(self.listen_address)[0]

    @property
    def listen_port(self) -> int:
        return _split_listen_address(self.listen_address)[1]


class _Invalid(ValueError):
    """A value failed validation; the message reads after the key name ("must be ...")."""


def _show(value: object) -> str:
    """Render a rejected value the way the user wrote it in YAML or on the command line."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be {what}, got {_show(value)}")
    return value


_HOSTNAME: Final = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.\-_]*[A-Za-z0-9])?")
_LISTEN_HINT: Final = 'a listen address like ":9808", "127.0.0.1:9808" or "[::1]:9808"'


def _split_listen_address(address: str) -> tuple[str | None, int]:
    """Split ``host:port`` the way Go's net.SplitHostPort does; empty host means all."""
    if address.startswith("["):
        close = address.find("]")
        host, rest = address[1:close], address[close + 1 :]
        if close < 0 or not rest.startswith(":"):
            raise _Invalid(f"must be {_LISTEN_HINT}, got {_show(address)}")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _Invalid(
                f"must be {_LISTEN_HINT}; {_show(host)} is not an IPv6 address"
            ) from None
        port = rest[1:]
    else:
        host, sep, port = address.rpartition(":")
        if not sep:
            raise _Invalid(f"must be {_LISTEN_HINT}, got {_show(address)}")
        if ":" in host:
            raise _Invalid(
                f"must be {_LISTEN_HINT} (IPv6 addresses need brackets), got {_show(address)}"
            )
        if host and not _HOSTNAME.fullmatch(host):
            raise _Invalid(f"must be {_LISTEN_HINT}; {_show(host)} is not a host name")
    if not port.isascii() or not port.isdigit() or int(port) > 65535:
        raise _Invalid(f"must be {_LISTEN_HINT}; port {_show(port)} is not 0-65535")
    return host or None, int(port)


def _listen_address(value: object) -> str:
    address = _require_str(value, _LISTEN_HINT)
    _split_listen_address(address)
    return address


def _telemetry_path(value: object) -> str:
    path = _require_str(value, 'a URL path starting with "/"')
    if not path.startswith("/") or any(ch.isspace() for ch in path):
        raise _Invalid(f'must be a URL path starting with "/", got {_show(path)}')
    return path


def _non_empty(what: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _require_str(value, what)
        if not text.strip():
            raise _Invalid(f"must be {what}, got {_show(text)}")
        return text

    return parse


_NAMESPACE: Final = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
LOG_SOURCE_FORMATS: Final = ("auto", *FORMAT_NAMES)
_NAMESPACES_HINT: Final = "a comma-separated string or a list of namespace names"


def _listed(value: object, what: str) -> list[object]:
    """The items of a comma-separated string or a YAML list, blanks dropped."""
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise _Invalid(f"must be {what}, got {_show(value)}")
    return [item for item in items if item != ""]


def _namespaces(value: object) -> tuple[str, ...]:
    """Empty means cluster-wide; names are checked now so a typo fails at startup."""
    names: list[str] = []
    for item in _listed(value, _NAMESPACES_HINT):
        if not isinstance(item, str) or not _NAMESPACE.fullmatch(item):
            raise _Invalid(
                f"must be {_NAMESPACES_HINT}; {_show(item)} is not a valid namespace name"
            )
        if item not in names:
            names.append(item)
    return tuple(names)


def _optional_dns_label(what: str) -> Callable[[object], str]:
    """A parser for one Kubernetes name (a DNS label), or "" for none."""

    def parse(value: object) -> str:
        name = _require_str(value, f"a {what}")
        if name and not _NAMESPACE.fullmatch(name):
            raise _Invalid(f"must be a {what}, got {_show(name)}")
        return name

    return parse


_optional_container = _optional_dns_label("container name")
"""A container name, or "" for every container of the Pod."""
_optional_namespace = _optional_dns_label("namespace name")
"""One namespace name, or "" for "off" (log streaming disabled)."""


def _paths(value: object) -> tuple[str, ...]:
    paths: list[str] = []
    for item in _listed(value, "a comma-separated string or a list of paths"):
        if not isinstance(item, str) or not item.startswith("/"):
            # Relative paths would depend on the working directory of a container.
            raise _Invalid(f"must be absolute paths; {_show(item)} is not one")
        paths.append(item)
    return tuple(paths)


def _choice(choices: Sequence[str]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value not in choices:
            raise _Invalid(f"must be one of {', '.join(choices)}, got {_show(value)}")
        assert isinstance(value, str)
        return value

    return parse


def _positive_int(value: object) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value)
    if number is None or number <= 0:
        raise _Invalid(f"must be a positive integer, got {_show(value)}")
    return number


_DURATION: Final = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_DURATION_UNITS: Final = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)
_SECONDS: Final = re.compile(r"\d+(?:\.\d+)?")
_DURATION_HINT: Final = 'a positive duration like "250ms", "30s", "5m" or "1h30m", or seconds'


def parse_duration(value: object) -> float:
    """Prometheus duration syntax (``1h30m``, ``250ms``) or a plain number of seconds."""
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if _SECONDS.fullmatch(text):
            seconds = float(text)
        elif text and (match := _DURATION.fullmatch(text)):
            seconds = sum(
                int(amount) * unit
                for amount, unit in zip(match.groups(), _DURATION_UNITS, strict=True)
                if amount
            )
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise _Invalid(f"must be {_DURATION_HINT}, got {_show(value)}")
    return seconds


def format_duration(seconds: float) -> str:
    """The inverse of ``parse_duration`` for help texts and messages (``0.8`` → ``800ms``)."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    parts = []
    for suffix, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        amount, millis = divmod(millis, size)
        if amount:
            parts.append(f"{amount}{suffix}")
    return "".join(parts)


@dataclass(frozen=True)
class _Option:
    key: str
    dest: str
    parse: Callable[[object], Any]
    help: str
    metavar: str
    is_path: bool = False


_OPTIONS: Final[tuple[_Option, ...]] = (
    _Option(
        "web.listen-address",
        "listen_address",
        _listen_address,
        'Address to serve metrics on; ":port" listens on all interfaces.',
        "ADDR",
    ),
    _Option(
        "web.telemetry-path",
        "telemetry_path",
        _telemetry_path,
        "Path under which to expose metrics.",
        "PATH",
    ),
    _Option(
        "kubeconfig",
        "kubeconfig",
        _non_empty("a path to a kubeconfig file"),
        "Kubeconfig file. Unset: in-cluster service account when KUBERNETES_SERVICE_HOST is "
        "set, otherwise $KUBECONFIG or ~/.kube/config.",
        "FILE",
        is_path=True,
    ),
    _Option(
        "kube.context",
        "kube_context",
        _non_empty("a kubeconfig context name"),
        "Kubeconfig context to use instead of the current one.",
        "NAME",
    ),
    _Option(
        "namespaces",
        "namespaces",
        _namespaces,
        "Comma-separated namespaces to watch; empty watches the whole cluster.",
        "NS[,NS...]",
    ),
    _Option(
        "log.level",
        "log_level",
        _choice(LOG_LEVELS),
        f"Only log messages at or above this level: {', '.join(LOG_LEVELS)}.",
        "LEVEL",
    ),
    _Option(
        "log.format",
        "log_format",
        _choice(LOG_FORMATS),
        f"Log line format: {', '.join(LOG_FORMATS)}.",
        "FORMAT",
    ),
    _Option(
        "config.file",
        "config_file",
        _non_empty("a path to a YAML file"),
        "YAML file whose keys are these flag names without dashes; flags given on the "
        "command line take precedence.",
        "FILE",
    ),
    _Option(
        "kube.list-page-size",
        "list_page_size",
        _positive_int,
        "Objects per page when listing (the API's limit parameter).",
        "N",
    ),
    _Option(
        "kube.watch-timeout",
        "watch_timeout",
        parse_duration,
        "Server-side timeout for each watch request; the reflector jitters it up to 2x so "
        "watches of different kinds do not reconnect together.",
        "DURATION",
    ),
    _Option(
        "kube.watch-inactivity-timeout",
        "watch_inactivity_timeout",
        parse_duration,
        "Treat a watch stream that delivers no bytes at all (bookmarks included) for this "
        "long as stalled and reconnect.",
        "DURATION",
    ),
    _Option(
        "kube.backoff-initial",
        "backoff_initial",
        parse_duration,
        "First delay before retrying a failed list or watch.",
        "DURATION",
    ),
    _Option(
        "kube.backoff-max",
        "backoff_max",
        parse_duration,
        "Upper bound of the exponential retry delay.",
        "DURATION",
    ),
    _Option(
        "logs.kubernetes.namespace",
        "logs_namespace",
        _optional_namespace,
        "Namespace of the ingress controller whose Pod logs are streamed through the API "
        "(needs get on pods/log there); empty disables log streaming.",
        "NS",
    ),
    _Option(
        "logs.kubernetes.selector",
        "logs_selector",
        _non_empty("a label selector like app.kubernetes.io/name=ingress-nginx"),
        "Label selector of the ingress controller Pods to follow.",
        "SELECTOR",
    ),
    _Option(
        "logs.kubernetes.container",
        "logs_container",
        _optional_container,
        "Container of the controller Pods whose log to follow; empty follows every container.",
        "NAME",
    ),
    _Option(
        "logs.files",
        "logs_files",
        _paths,
        "Comma-separated access log files to follow with tail -F semantics (rotation, "
        "truncation, files that appear later).",
        "PATH[,PATH...]",
    ),
    _Option(
        "logs.format",
        "logs_format",
        _choice(LOG_SOURCE_FORMATS),
        f"Access log format, detected per stream by default: {', '.join(LOG_SOURCE_FORMATS)}.",
        "FORMAT",
    ),
    _Option(
        "logs.warm-up",
        "warm_seconds",
        parse_duration,
        "A Pod Ready for less than this is 'warming' when a request fails (the app "
        "initialises slower than its readiness probe).",
        "DURATION",
    ),
    _Option(
        "rollout.stall-timeout",
        "stall_timeout",
        parse_duration,
        "An in-progress rollout is stalled when no new-revision Pod became Ready for this "
        "long (or its progress deadline passed).",
        "DURATION",
    ),
)
_BY_KEY: Final[dict[str, _Option]] = {option.key: option for option in _OPTIONS}
_DEFAULTS: Final = Settings()


def _default_text(option: _Option) -> str:
    value = getattr(_DEFAULTS, option.dest)
    if option.parse is parse_duration:
        return format_duration(value)
    if option.dest == "namespaces":
        return "all"
    if option.dest == "kubeconfig":
        return "auto"
    if option.dest == "kube_context":
        return "the kubeconfig's current-context"
    if value is None:
        return "none"
    return str(value)


def _flag_type(option: _Option) -> Callable[[str], Any]:
    """Adapt a validator so argparse reports ``argument --flag: must be ...``."""

    def parse(text: str) -> Any:
        try:
            return option.parse(text)
        except _Invalid as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = option.key
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every setting as a flag; the CLI reuses this for each subcommand.

    Defaults are ``SUPPRESS`` so the namespace holds only flags the user typed, which is
    what lets the config file sit between defaults and flags.
    """
    for option in _OPTIONS:
        parser.add_argument(
            f"--{option.key}",
            dest=option.dest,
            type=_flag_type(option),
            default=argparse.SUPPRESS,
            metavar=option.metavar,
            help=f"{option.help} [default: {_default_text(option)}]",
        )


def _yaml_error(path: str, error: yaml.YAMLError) -> SettingsError:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        detail = error.problem or "syntax error"
        if error.context and error.context_mark is not None:
            detail = f"{detail} ({error.context} at line {error.context_mark.line + 1})"
        elif error.context:
            detail = f"{detail} ({error.context})"
        return SettingsError(
            f"config file {path}: invalid YAML at line {mark.line + 1}, "
            f"column {mark.column + 1}: {detail}"
        )
    return SettingsError(f"config file {path}: invalid YAML: {error}")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[str] = set()
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'duplicate key "{key_node.value}"', key_node.start_mark
                )
            seen.add(key_node.value)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)

_YAML_KINDS: Final[dict[type, str]] = {
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}


def load_config_file(path: str) -> dict[str, Any]:
    """Read and validate a config file; returns ``Settings`` field names to values.

    Relative paths inside the file are resolved against the file's directory, as
    Prometheus does, so the file means the same thing whatever the working directory.
    """
    try:
        with open(path, encoding="utf-8") as stream:
            document = yaml.load(stream, Loader=_StrictLoader)
    except OSError as error:
        raise SettingsError(f"config file {path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"config file {path}: not UTF-8 text: {error.reason}") from None
    except yaml.YAMLError as error:
        raise _yaml_error(path, error) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        kind = _YAML_KINDS.get(type(document), type(document).__name__)
        raise SettingsError(
            f"config file {path}: the top level must be a mapping of flag names to values "
            f'(e.g. web.listen-address: ":9808"), got {kind}'
        )
    values: dict[str, Any] = {}
    for key, raw in document.items():
        option = _BY_KEY.get(key) if isinstance(key, str) else None
        if option is None:
            raise SettingsError(f"config file {path}: {_unknown_key(key)}")
        if option.key == "config.file":
            raise SettingsError(
                f'config file {path}: key "config.file" can only be given on the command line'
            )
        try:
            value = option.parse(raw)
        except _Invalid as error:
            raise SettingsError(f'config file {path}: key "{key}" {error}') from None
        if option.is_path:
            value = os.path.join(os.path.dirname(path), os.path.expanduser(value))
        values[option.dest] = value
    return values


def _unknown_key(key: object) -> str:
    message = f"unknown key {_show(key)}"
    if isinstance(key, str):
        close = difflib.get_close_matches(key.lstrip("-"), list(_BY_KEY), n=1, cutoff=0.6)
        if close:
            message += f' (did you mean "{close[0]}"?)'
    return message


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Build ``Settings`` from a namespace filled by ``add_arguments`` (flags win)."""
    given = {option.dest: getattr(args, option.dest) for option in _OPTIONS if option.dest in args}
    config_file = given.get("config_file")
    from_file = load_config_file(config_file) if config_file is not None else {}
    return dataclasses.replace(_DEFAULTS, **{**from_file, **given})


def parse_settings(argv: Sequence[str], *, prog: str = "rollout-exporter run") -> Settings:
    """Parse flags (and the config file they name); bad flags exit 2 via argparse.

    Raises ``SettingsError`` for problems in the config file or across settings.
    """
    parser = argparse.ArgumentParser(prog=prog, allow_abbrev=False)
    add_arguments(parser)
    return settings_from_args(parser.parse_args(list(argv)))
