"""openapi.yaml at the root is the app's schema, byte for byte once parsed."""

from __future__ import annotations

import yaml

from cli.serve_cmd import openapi_yaml
from tests.conftest import REPO


def test_openapi_yaml_equals_the_app_schema() -> None:
    committed = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))
    assert committed == yaml.safe_load(openapi_yaml()), (
        "openapi.yaml is out of date: run `make openapi`"
    )
