"""Settings: flags > GLS_* environment > TOML file > defaults; bad values refused clearly."""

from __future__ import annotations

import pytest

from gls_engine.config import SettingsError, load_settings


def test_precedence(tmp_path) -> None:
    toml = tmp_path / "gls.toml"
    toml.write_text(
        '[gls]\napi_port = 7000\notlp_http_port = 7001\ndefault_project = "from-file"\n'
    )
    env = {"GLS_OTLP_HTTP_PORT": "7101", "GLS_DEFAULT_PROJECT": "from-env"}
    s = load_settings({"default_project": "from-flag"}, environ=env, config_file=toml)
    assert s.api_port == 7000  # file only
    assert s.otlp_http_port == 7101  # env beats file
    assert s.default_project == "from-flag"  # flag beats env
    assert load_settings({}, environ={}).api_port == 6006


def test_config_file_from_environment(tmp_path) -> None:
    toml = tmp_path / "gls.toml"
    toml.write_text("batch_max_wait_ms = 5\n")
    assert load_settings({}, environ={"GLS_CONFIG": str(toml)}).batch_max_wait_ms == 5


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"api_port": "70000"}, "api_port"),
        ({"api_port": "abc"}, "api_port expects int"),
        ({"storage": "sqlite"}, "storage must be"),
        ({"host": "0.0.0.0"}, "requires authentication"),
        ({"max_pending_spans": "0"}, "max_pending_spans must be positive"),
    ],
)
def test_bad_settings(overrides, message) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(overrides, environ={})


def test_unknown_key_in_file(tmp_path) -> None:
    toml = tmp_path / "gls.toml"
    toml.write_text("no_such_setting = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'no_such_setting'"):
        load_settings({}, environ={}, config_file=toml)


def test_remote_bind_allowed_only_explicitly() -> None:
    s = load_settings({"host": "0.0.0.0", "allow_remote_without_auth": "true"}, environ={})
    assert s.host == "0.0.0.0"


def test_dataset_limits_come_from_the_settings() -> None:
    from gls_engine.datasets.limits import DatasetLimits

    settings = load_settings(
        {},
        environ={"GLS_DATASET_MAX_UPLOAD_BYTES": "5000", "GLS_DATASET_MAX_CELL_BYTES": "300"},
        config_file=None,
    )
    limits = DatasetLimits.from_settings(settings)
    assert (limits.max_upload_bytes, limits.max_cell_bytes) == (5000, 300)
    with pytest.raises(SettingsError, match="dataset_max_upload_bytes must be positive"):
        load_settings({"dataset_max_upload_bytes": 0}, environ={}, config_file=None)
