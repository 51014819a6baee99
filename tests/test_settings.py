"""Flags and config file: every key, good and bad values, precedence, and the messages."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from exporter.settings import (
    Settings,
    SettingsError,
    add_arguments,
    format_duration,
    parse_duration,
    parse_settings,
    settings_from_args,
)


def all_flag_keys() -> set[str]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return {
        option[2:]
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }


def write_config(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "exporter.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return path


# (key, command-line value, Settings field, parsed value)
GOOD_FLAGS = [
    ("web.listen-address", ":9808", "listen_address", ":9808"),
    ("web.listen-address", "127.0.0.1:9100", "listen_address", "127.0.0.1:9100"),
    ("web.listen-address", "[::1]:9808", "listen_address", "[::1]:9808"),
    ("web.listen-address", "exporter.local:0", "listen_address", "exporter.local:0"),
    ("web.telemetry-path", "/custom/metrics", "telemetry_path", "/custom/metrics"),
    ("kubeconfig", "/etc/kube/config", "kubeconfig", "/etc/kube/config"),
    ("kube.context", "prod-eu", "kube_context", "prod-eu"),
    ("namespaces", "shop", "namespaces", ("shop",)),
    ("namespaces", " shop, payments ,shop,", "namespaces", ("shop", "payments")),
    ("namespaces", "", "namespaces", ()),
    ("log.level", "debug", "log_level", "debug"),
    ("log.level", "warn", "log_level", "warn"),
    ("log.level", "error", "log_level", "error"),
    ("log.format", "json", "log_format", "json"),
    ("log.format", "logfmt", "log_format", "logfmt"),
    ("kube.list-page-size", "1", "list_page_size", 1),
    ("kube.list-page-size", "5000", "list_page_size", 5000),
    ("kube.watch-timeout", "5m", "watch_timeout", 300.0),
    ("kube.watch-timeout", "1h30m", "watch_timeout", 5400.0),
    ("kube.watch-timeout", "1d", "watch_timeout", 86400.0),
    ("kube.watch-timeout", "90", "watch_timeout", 90.0),
    ("kube.watch-inactivity-timeout", "2m", "watch_inactivity_timeout", 120.0),
    ("kube.watch-inactivity-timeout", "1.5", "watch_inactivity_timeout", 1.5),
    ("kube.backoff-initial", "250ms", "backoff_initial", 0.25),
    ("kube.backoff-initial", "1s500ms", "backoff_initial", 1.5),
    ("kube.backoff-max", "1m", "backoff_max", 60.0),
    ("rollout.stall-timeout", "10m", "stall_timeout", 600.0),
    ("logs.kubernetes.namespace", "ingress-nginx", "logs_namespace", "ingress-nginx"),
    ("logs.kubernetes.namespace", "", "logs_namespace", ""),
    ("logs.kubernetes.selector", "app=traefik", "logs_selector", "app=traefik"),
    ("logs.kubernetes.container", "proxy", "logs_container", "proxy"),
    ("logs.kubernetes.container", "", "logs_container", ""),
    (
        "logs.files",
        "/var/log/a.log,/var/log/b.log",
        "logs_files",
        ("/var/log/a.log", "/var/log/b.log"),
    ),
    ("logs.format", "traefik-json", "logs_format", "traefik-json"),
    ("logs.warm-up", "30s", "warm_seconds", 30.0),
]

# (key, command-line value, part of the message after "argument --key: ")
BAD_FLAGS = [
    ("web.listen-address", "9808", 'must be a listen address like ":9808"'),
    ("web.listen-address", "::1:9808", "(IPv6 addresses need brackets)"),
    ("web.listen-address", "[::1]9808", 'got "[::1]9808"'),
    ("web.listen-address", "[not-ip]:9808", '"not-ip" is not an IPv6 address'),
    ("web.listen-address", "host:70000", 'port "70000" is not 0-65535'),
    ("web.listen-address", "host:", 'port "" is not 0-65535'),
    ("web.listen-address", "my host:80", '"my host" is not a host name'),
    ("web.telemetry-path", "metrics", 'must be a URL path starting with "/", got "metrics"'),
    ("web.telemetry-path", "/a b", 'got "/a b"'),
    ("kubeconfig", "", 'must be a path to a kubeconfig file, got ""'),
    ("kube.context", " ", 'must be a kubeconfig context name, got " "'),
    ("namespaces", "shop,Kube_System", '"Kube_System" is not a valid namespace name'),
    ("namespaces", "a" * 64, "is not a valid namespace name"),
    ("log.level", "warning", 'must be one of debug, info, warn, error, got "warning"'),
    ("log.format", "text", 'must be one of logfmt, json, got "text"'),
    ("kube.list-page-size", "abc", 'must be a positive integer, got "abc"'),
    ("kube.list-page-size", "0", 'must be a positive integer, got "0"'),
    ("kube.list-page-size", "-5", 'must be a positive integer, got "-5"'),
    ("kube.list-page-size", "1.5", 'must be a positive integer, got "1.5"'),
    ("kube.watch-timeout", "5 minutes", 'must be a positive duration like "250ms"'),
    ("kube.watch-timeout", "0s", 'got "0s"'),
    ("kube.watch-timeout", "1.5m", 'got "1.5m"'),
    ("kube.watch-inactivity-timeout", "1m1h", 'got "1m1h"'),
    ("kube.backoff-initial", "-1", 'got "-1"'),
    ("kube.backoff-max", "", 'got ""'),
    ("rollout.stall-timeout", "later", 'got "later"'),
    ("logs.kubernetes.namespace", "Ingress_Nginx", 'must be a namespace name, got "Ingress_Nginx"'),
    ("logs.kubernetes.selector", " ", "must be a label selector"),
    ("logs.kubernetes.container", "Controller!", 'must be a container name, got "Controller!"'),
    ("logs.format", "apache", "must be one of auto, nginx"),
    ("logs.files", "access.log", 'must be absolute paths; "access.log" is not one'),
    ("logs.warm-up", "soon", 'got "soon"'),
]


def test_every_flag_has_good_and_bad_cases() -> None:
    tested = {key for key, *_ in GOOD_FLAGS} & {key for key, *_ in BAD_FLAGS}
    assert all_flag_keys() - tested == {"config.file"}  # covered by the file tests below


@pytest.mark.parametrize(("key", "value", "field", "expected"), GOOD_FLAGS)
def test_flag_accepts(key: str, value: str, field: str, expected: object) -> None:
    assert getattr(parse_settings([f"--{key}", value]), field) == expected


@pytest.mark.parametrize(("key", "value", "message"), BAD_FLAGS)
def test_flag_rejects(
    key: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_settings([f"--{key}={value}"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument --{key}: " in error
    assert message in error


def test_abbreviated_flags_are_not_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--web.listen", ":1"])
    assert "unrecognized arguments: --web.listen" in capsys.readouterr().err


def test_no_flags_gives_documented_defaults() -> None:
    assert parse_settings([]) == Settings(
        listen_address=":9808",
        telemetry_path="/metrics",
        kubeconfig=None,
        kube_context=None,
        namespaces=(),
        log_level="info",
        log_format="logfmt",
        config_file=None,
        list_page_size=500,
        watch_timeout=300.0,
        watch_inactivity_timeout=120.0,
        backoff_initial=0.8,
        backoff_max=30.0,
        stall_timeout=300.0,
        logs_namespace="",
        logs_selector="app.kubernetes.io/name=ingress-nginx",
        logs_container="controller",
        logs_files=(),
        logs_format="auto",
        warm_seconds=10.0,
    )


# (key, YAML value, Settings field, parsed value)
GOOD_FILE_VALUES = [
    ("web.listen-address", ":9100", "listen_address", ":9100"),
    ("web.telemetry-path", "/m", "telemetry_path", "/m"),
    ("kubeconfig", "/etc/kube/config", "kubeconfig", "/etc/kube/config"),
    ("kube.context", "prod", "kube_context", "prod"),
    ("namespaces", ["shop", "payments"], "namespaces", ("shop", "payments")),
    ("namespaces", "shop,payments", "namespaces", ("shop", "payments")),
    ("namespaces", [], "namespaces", ()),
    ("log.level", "debug", "log_level", "debug"),
    ("log.format", "json", "log_format", "json"),
    ("kube.list-page-size", 100, "list_page_size", 100),
    ("kube.list-page-size", "100", "list_page_size", 100),
    ("kube.watch-timeout", 90, "watch_timeout", 90.0),
    ("kube.watch-timeout", "10m", "watch_timeout", 600.0),
    ("kube.watch-inactivity-timeout", 2.5, "watch_inactivity_timeout", 2.5),
    ("kube.backoff-initial", "100ms", "backoff_initial", 0.1),
    ("kube.backoff-max", "2m", "backoff_max", 120.0),
    ("rollout.stall-timeout", "90s", "stall_timeout", 90.0),
    ("logs.kubernetes.namespace", "traefik", "logs_namespace", "traefik"),
    (
        "logs.kubernetes.selector",
        "app.kubernetes.io/name=traefik",
        "logs_selector",
        "app.kubernetes.io/name=traefik",
    ),
    ("logs.kubernetes.container", "envoy", "logs_container", "envoy"),
    ("logs.files", ["/var/log/a.log"], "logs_files", ("/var/log/a.log",)),
    ("logs.format", "envoy", "logs_format", "envoy"),
    ("logs.warm-up", 15, "warm_seconds", 15.0),
]

# (key, YAML value, what follows 'key "<key>" ' in the message)
BAD_FILE_VALUES = [
    ("web.listen-address", 9808, "must be a listen address like"),
    ("web.telemetry-path", ["/m"], 'must be a URL path starting with "/", got ["/m"]'),
    ("kubeconfig", None, "must be a path to a kubeconfig file, got null"),
    ("kube.context", 7, "must be a kubeconfig context name, got 7"),
    ("namespaces", None, "must be a comma-separated string or a list of namespace names"),
    ("namespaces", {"shop": 1}, 'got {"shop": 1}'),
    ("namespaces", ["shop", 3], "3 is not a valid namespace name"),
    ("log.level", "INFO", 'must be one of debug, info, warn, error, got "INFO"'),
    ("log.format", True, "must be one of logfmt, json, got true"),
    ("kube.list-page-size", "abc", 'must be a positive integer, got "abc"'),
    ("kube.list-page-size", True, "must be a positive integer, got true"),
    ("kube.list-page-size", 2.5, "must be a positive integer, got 2.5"),
    ("kube.watch-timeout", "soon", 'must be a positive duration like "250ms"'),
    ("kube.watch-timeout", 0, "got 0"),
    ("kube.watch-inactivity-timeout", float("inf"), "got Infinity"),
    ("kube.backoff-initial", [1], "got [1]"),
    ("kube.backoff-max", False, "got false"),
    ("rollout.stall-timeout", -5, "got -5"),
    ("logs.kubernetes.namespace", 7, "got 7"),
    ("logs.kubernetes.selector", None, "got null"),
    ("logs.kubernetes.container", ["a"], 'got ["a"]'),
    ("logs.files", {"a": 1}, "must be a comma-separated string or a list of paths"),
    ("logs.format", "json", "must be one of auto"),
    ("logs.warm-up", "0s", 'got "0s"'),
]


def test_every_key_has_good_and_bad_file_cases() -> None:
    tested = {key for key, *_ in GOOD_FILE_VALUES} & {key for key, *_ in BAD_FILE_VALUES}
    assert all_flag_keys() - tested == {"config.file"}


@pytest.mark.parametrize(("key", "value", "field", "expected"), GOOD_FILE_VALUES)
def test_config_file_accepts(
    key: str, value: object, field: str, expected: object, tmp_path: Path
) -> None:
    path = write_config(tmp_path, {key: value})
    assert getattr(parse_settings(["--config.file", str(path)]), field) == expected


@pytest.mark.parametrize(("key", "value", "message"), BAD_FILE_VALUES)
def test_config_file_rejects(key: str, value: object, message: str, tmp_path: Path) -> None:
    path = write_config(tmp_path, {key: value})
    with pytest.raises(SettingsError) as error:
        parse_settings(["--config.file", str(path)])
    assert str(error.value).startswith(f'config file {path}: key "{key}" ')
    assert message in str(error.value)


def test_config_file_is_recorded() -> None:
    assert parse_settings(["--config.file", "/dev/null"]).config_file == "/dev/null"


def test_empty_config_file_means_defaults(tmp_path: Path) -> None:
    path = write_config(tmp_path, "# nothing yet\n")
    assert parse_settings(["--config.file", str(path)]) == Settings(config_file=str(path))


@pytest.mark.parametrize(
    ("given", "listed"),
    [
        pytest.param("relative/kubeconfig", "relative/kubeconfig", id="relative-to-file"),
        pytest.param("/abs/kubeconfig", "/abs/kubeconfig", id="absolute-kept"),
    ],
)
def test_kubeconfig_in_file_is_relative_to_the_file(
    given: str, listed: str, tmp_path: Path
) -> None:
    path = write_config(tmp_path, {"kubeconfig": given})
    settings = parse_settings(["--config.file", str(path)])
    assert settings.kubeconfig == str(tmp_path / listed)


class TestPrecedence:
    def test_file_overrides_defaults(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, {"log.level": "debug", "kube.list-page-size": 50})
        settings = parse_settings(["--config.file", str(path)])
        assert (settings.log_level, settings.list_page_size) == ("debug", 50)

    def test_flags_override_file(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, {"log.level": "debug", "kube.list-page-size": 50})
        settings = parse_settings(["--config.file", str(path), "--kube.list-page-size", "7"])
        assert (settings.log_level, settings.list_page_size) == ("debug", 7)

    def test_flag_equal_to_the_default_still_overrides_file(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, {"log.level": "debug"})
        settings = parse_settings(["--log.level", "info", "--config.file", str(path)])
        assert settings.log_level == "info"

    def test_flag_order_does_not_matter(self, tmp_path: Path) -> None:
        path = write_config(tmp_path, {"namespaces": ["a"]})
        before = parse_settings(["--namespaces", "b", "--config.file", str(path)])
        after = parse_settings(["--config.file", str(path), "--namespaces", "b"])
        assert before.namespaces == after.namespaces == ("b",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            {"web.listen-adress": ":9808"},
            'unknown key "web.listen-adress" (did you mean "web.listen-address"?)',
            id="typo-gets-suggestion",
        ),
        pytest.param(
            {"--log.level": "debug"},
            'unknown key "--log.level" (did you mean "log.level"?)',
            id="flag-spelling-gets-suggestion",
        ),
        pytest.param({"colour": "blue"}, 'unknown key "colour"', id="no-close-match"),
        pytest.param({1: "x"}, "unknown key 1", id="non-string-key"),
        pytest.param(
            {"config.file": "/other.yaml"},
            'key "config.file" can only be given on the command line',
            id="config-file-cannot-nest",
        ),
        pytest.param(
            "web.listen-address: :9808\nlog.level: [debug\n",
            "invalid YAML at line 3, column 1: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence at line 2)",
            id="syntax-error-with-lines",
        ),
        pytest.param(
            "log.level: info\n  bad: indent\n",
            "invalid YAML at line 2, column 6: mapping values are not allowed here",
            id="bad-indentation",
        ),
        pytest.param(
            "log.level: info\nlog.level: debug\n",
            'invalid YAML at line 2, column 1: duplicate key "log.level"',
            id="duplicate-key",
        ),
        pytest.param(
            "- web.listen-address: :9808\n",
            "the top level must be a mapping of flag names to values "
            '(e.g. web.listen-address: ":9808"), got a list',
            id="top-level-list",
        ),
        pytest.param(
            "just text\n",
            "the top level must be a mapping of flag names to values "
            '(e.g. web.listen-address: ":9808"), got a string',
            id="top-level-scalar",
        ),
    ],
)
def test_config_file_errors_name_the_file_and_problem(
    content: object, message: str, tmp_path: Path
) -> None:
    path = write_config(tmp_path, content)
    with pytest.raises(SettingsError) as error:
        parse_settings(["--config.file", str(path)])
    assert str(error.value).startswith(f"config file {path}: {message}")


def test_unknown_key_message_is_exact(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"web.listen-adress": ":9808"})
    with pytest.raises(SettingsError) as error:
        parse_settings(["--config.file", str(path)])
    assert str(error.value) == (
        f'config file {path}: unknown key "web.listen-adress" (did you mean "web.listen-address"?)'
    )


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(SettingsError) as error:
        parse_settings(["--config.file", str(path)])
    assert str(error.value) == f"config file {path}: cannot read: No such file or directory"


def test_backoff_max_below_initial_is_rejected(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"kube.backoff-initial": "1m"})
    with pytest.raises(SettingsError) as error:
        parse_settings(["--config.file", str(path)])
    assert str(error.value) == (
        "kube.backoff-max (30s) must not be less than kube.backoff-initial (1m)"
    )


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [
        (":9808", None, 9808),
        ("0.0.0.0:80", "0.0.0.0", 80),
        ("127.0.0.1:9808", "127.0.0.1", 9808),
        ("[::1]:9808", "::1", 9808),
        ("[::]:9808", "::", 9808),
        ("localhost:0", "localhost", 0),
    ],
)
def test_listen_host_and_port(address: str, host: str | None, port: int) -> None:
    settings = Settings(listen_address=address)
    assert (settings.listen_host, settings.listen_port) == (host, port)


def test_subcommands_reuse_the_same_flags(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"kube.list-page-size": 20})
    parser = argparse.ArgumentParser(prog="rollout-exporter")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "demo"):
        add_arguments(commands.add_parser(name))
    args = parser.parse_args(["demo", "--log.level", "debug", "--config.file", str(path)])
    settings = settings_from_args(args)
    assert (args.command, settings.log_level, settings.list_page_size) == ("demo", "debug", 20)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("2d", 172800.0),
        ("1w", 604800.0),
        ("1y", 31536000.0),
        ("45", 45.0),
        ("0.8", 0.8),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.8, "800ms"), (30.0, "30s"), (300.0, "5m"), (5400.0, "1h30m"), (1.5, "1s500ms")],
)
def test_format_duration_inverts_parse(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(seconds)


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for expected in ("[default: :9808]", "[default: 800ms]", "[default: 5m]", "[default: 500]"):
        assert expected in help_text
