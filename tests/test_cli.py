from __future__ import annotations

import pytest

from cli.main import EX_USAGE, main


def test_unknown_subcommand_is_a_usage_error_with_status_64(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["no-such-command"])
    assert exited.value.code == EX_USAGE
    assert "erreur" in capsys.readouterr().err


def test_openapi_command_writes_the_document(tmp_path) -> None:
    out = tmp_path / "openapi.yaml"
    assert main(["openapi", "-o", str(out)]) == 0
    assert "openapi:" in out.read_text(encoding="utf-8")
