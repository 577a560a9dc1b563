"""Secured brokers: SASL and TLS settings from flags and environment variables, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from apache_beam.internal import pickler
from pydantic import ValidationError
from typer.testing import CliRunner

from ceasefire_watch import cli
from ceasefire_watch.config import KafkaSettings

SECRET = "s3cret-hunter2-do-not-print"


def sasl(mechanism: str = "SCRAM-SHA-512", **extra) -> KafkaSettings:
    return KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=mechanism,
        sasl_username="watcher",
        sasl_password=SECRET,
        **extra,
    )


class TestKafkaSettings:
    def test_plaintext_needs_no_credentials(self):
        """The default connection is plain, with only the bootstrap list."""
        assert KafkaSettings(bootstrap_servers="a:1,b:2").client_config() == {
            "bootstrap_servers": ["a:1", "b:2"],
            "security_protocol": "PLAINTEXT",
        }

    @pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    def test_sasl_settings_become_kafka_python_settings(self, mechanism):
        """Each SASL mechanism reaches kafka-python with the user name and the revealed password."""
        config = sasl(mechanism).client_config()
        assert config["sasl_mechanism"] == mechanism
        assert config["sasl_plain_username"] == "watcher"
        assert config["sasl_plain_password"] == SECRET

    def test_tls_settings_become_kafka_python_settings(self, tmp_path):
        """CA, client certificate, key, key password and the host-name check reach kafka-python."""
        settings = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            sasl_username="watcher",
            sasl_password=SECRET,
            ssl_cafile=tmp_path / "ca.pem",
            ssl_certfile=tmp_path / "client.pem",
            ssl_keyfile=tmp_path / "client.key",
            ssl_key_password="key-secret",
            ssl_check_hostname=False,
        )
        config = settings.client_config()
        assert config["security_protocol"] == "SASL_SSL"
        assert config["ssl_cafile"] == str(tmp_path / "ca.pem")
        assert config["ssl_certfile"] == str(tmp_path / "client.pem")
        assert config["ssl_keyfile"] == str(tmp_path / "client.key")
        assert config["ssl_password"] == "key-secret"
        assert config["ssl_check_hostname"] is False

    @pytest.mark.parametrize(
        "settings",
        [
            {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "watcher"},
            {"sasl_mechanism": "PLAIN", "sasl_username": "watcher", "sasl_password": SECRET},
            {"security_protocol": "SASL_PLAINTEXT", "ssl_cafile": Path("ca.pem"), "sasl_password": SECRET},
        ],
        ids=["sasl-without-password", "sasl-on-plaintext", "tls-file-without-tls"],
    )
    def test_inconsistent_settings_fail_without_echoing_the_secret(self, settings):
        """Missing or ignored credentials are refused, and the error never shows the password."""
        with pytest.raises(ValidationError) as error:
            KafkaSettings(**settings)
        assert SECRET not in str(error.value)

    def test_secrets_stay_out_of_reprs(self):
        """The settings' repr and str mask the SASL and key passwords."""
        settings = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="PLAIN",
            sasl_username="watcher",
            sasl_password=SECRET,
            ssl_key_password="key-secret",
        )
        for text in (repr(settings), str(settings)):
            assert SECRET not in text
            assert "key-secret" not in text

    def test_settings_survive_beams_pickler(self):
        """Beam pickles the settings with the DoFns; the worker's copy still carries the password."""
        restored = pickler.loads(pickler.dumps(sasl()))
        assert restored.client_config()["sasl_plain_password"] == SECRET


class TestCommandLine:
    @pytest.fixture
    def published_with(self, monkeypatch):
        """The KafkaSettings `publish` would connect with (no broker needed)."""
        seen: list[KafkaSettings] = []
        monkeypatch.setattr(cli, "publish", lambda kafka, topic, messages: seen.append(kafka) or 0)
        return seen

    def test_environment_variables_configure_sasl(self, published_with, tmp_path):
        """The CEASEFIRE_KAFKA_* variables alone configure a SCRAM connection."""
        environment = {
            "CEASEFIRE_BROKERS": "broker:9093",
            "CEASEFIRE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "CEASEFIRE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "CEASEFIRE_KAFKA_SASL_USERNAME": "watcher",
            "CEASEFIRE_KAFKA_SASL_PASSWORD": SECRET,
        }
        result = CliRunner().invoke(cli.app, ["publish", str(tmp_path / "none.txt")], env=environment)
        assert result.exit_code == 0, result.output
        [kafka] = published_with
        assert kafka.client_config()["sasl_plain_password"] == SECRET
        assert kafka.sasl_mechanism == "SCRAM-SHA-256"
        assert kafka.bootstrap_servers == "broker:9093"
        assert SECRET not in result.output

    def test_flags_configure_tls(self, published_with, tmp_path):
        """The --kafka-ssl-* flags configure TLS; a given CA file must exist."""
        ca = tmp_path / "ca.pem"
        ca.write_text("not checked here")
        flags = ["--kafka-security-protocol", "SSL", "--kafka-ssl-cafile", str(ca)]
        result = CliRunner().invoke(
            cli.app, ["publish", str(tmp_path / "none.txt"), *flags, "--no-kafka-ssl-check-hostname"]
        )
        assert result.exit_code == 0, result.output
        assert published_with[0].ssl_cafile == ca
        assert published_with[0].ssl_check_hostname is False

    @pytest.mark.parametrize("command", ["run", "publish", "tail"])
    def test_help_never_shows_the_password(self, command):
        """Help names the password's variable but not its value, for every command that connects."""
        result = CliRunner().invoke(
            cli.app, [command, "--help"], env={"CEASEFIRE_KAFKA_SASL_PASSWORD": SECRET, "COLUMNS": "250"}
        )
        assert result.exit_code == 0
        assert "--kafka-sasl-password" in result.output
        assert SECRET not in result.output

    def test_a_misconfigured_connection_is_a_usage_error_without_the_secret(self, published_with):
        """A password without a SASL protocol exits 2 with the reason, and the password is not printed."""
        result = CliRunner().invoke(
            cli.app, ["tail", "--kafka-sasl-password", SECRET, "--kafka-sasl-username", "watcher"]
        )
        assert result.exit_code == 2
        assert "SASL_PLAINTEXT or SASL_SSL" in result.output
        assert SECRET not in result.output
