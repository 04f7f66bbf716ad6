"""Property-based run of ``openapi.yaml`` against the application (in process, ASGI): whatever
the generated requests, no server error (5xx). Bounded: a few examples per operation.

The caller is signed in as a person who is organisation admin and issuer of a training
organisation and also holds a wallet, so most operations get past authentication and the
generated bodies reach the code behind them.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from storage.tables import MemberRole
from tests.api.webapp_fixtures import Web, add_member, add_org, add_user, add_wallet, session_cookie
from tests.conftest import REPO

MAX_EXAMPLES = 5


@pytest.mark.slow
def test_no_operation_of_openapi_yaml_answers_a_server_error(web: Web) -> None:
    org = add_org(web.engine, "of-fuzz", issuing=True)
    user = add_user(web.engine, "Fuzz", "fuzz@example.org")
    add_member(web.engine, user, org, MemberRole.ADMIN)
    add_member(web.engine, user, org, MemberRole.ISSUER)
    add_wallet(web.engine, user)
    cookies = {"atouts_session": session_cookie(web.engine, user)}

    schema = schemathesis.openapi.from_path(REPO / "openapi.yaml")
    schema.app = web.app
    failures: list[str] = []
    seen: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10

    for operation in operations:

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(cookies=cookies)
            seen.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:200]}"
                )

        run()
    assert len(seen) > 3 * len(operations)
    assert any(200 <= status < 300 for status in seen)
    assert failures == []
