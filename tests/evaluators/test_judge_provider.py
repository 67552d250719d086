"""A project's judge provider on a real Studio, judges run through it against a real
OpenAI-compatible server: the key sealed at rest, never answered, never logged."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from evaluator_api import checked_post

from gls_engine.evaluators import BUILTIN_JUDGE_TEMPLATES

from conftest import Studio
from openapi_check import checked_get, checked_put
from support.openai_compatible_server import (
    TEST_API_KEY,
    OpenAICompatibleServer,
    prompt_contains,
)

CASE = {"input": "Capital of France?", "output": "Paris.", "expected": "Paris"}


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(api_key=TEST_API_KEY) as server:
        yield server


def provider_path(project: str) -> str:
    return f"/api/v1/projects/{project}/judge-provider"


def judge_run(studio: Studio, project: str, document: Any, expect: int = 200) -> Any:
    return checked_post(
        studio.api, f"/api/v1/projects/{project}/evaluators/judge-run", document, expect
    )


def stored_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob("metadata.sqlite3*"))


def test_the_key_is_sealed_and_never_answered(
    studio: Studio, provider: OpenAICompatibleServer
) -> None:
    project = "judged"
    assert checked_get(studio.api, provider_path(project)) == {
        "project": project,
        "configured": False,
        "base_url": None,
        "model": None,
        "has_api_key": False,
        "api_key_hint": None,
        "updated_at": None,
    }
    stored = checked_put(
        studio.api,
        provider_path(project),
        {"base_url": provider.base_url + "/", "model": "judge-model", "api_key": TEST_API_KEY},
    )
    assert stored["base_url"] == provider.base_url and stored["model"] == "judge-model"
    assert (stored["has_api_key"], stored["api_key_hint"]) == (True, "sk-test-...tY4b")
    shown = requests.get(studio.api + provider_path(project), timeout=30).text
    assert TEST_API_KEY not in shown and TEST_API_KEY[8:] not in shown
    assert TEST_API_KEY.encode() not in stored_bytes(studio.data_dir)
    key_file = studio.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    provider.on(
        prompt_contains("<submitted_answer>\nParis.\n</submitted_answer>"),
        times=1,
        content="EXPLANATION: Both say Paris.\nLABEL: correct",
    )
    score = judge_run(studio, project, {"judge": "correctness", **CASE})["score"]
    assert (score["label"], score["value"], score["explanation"]) == (
        "correct",
        1.0,
        "Both say Paris.",
    )
    assert score["judge"]["model"] == "judge-model" and score["judge"]["attempts"] == 1
    sent = provider.requests[-1]
    assert sent.headers["Authorization"] == f"Bearer {TEST_API_KEY}"
    assert sent.model == "judge-model"

    # A PUT leaving the key out keeps it; null removes it, and the provider refuses.
    kept = checked_put(
        studio.api, provider_path(project), {"base_url": provider.base_url, "model": "judge-2"}
    )
    assert kept["has_api_key"] is True
    provider.on(times=1, content="LABEL: correct")
    assert (
        judge_run(studio, project, {"judge": "correctness", **CASE})["score"]["label"] == "correct"
    )
    removed = checked_put(
        studio.api,
        provider_path(project),
        {"base_url": provider.base_url, "model": "judge-2", "api_key": None},
    )
    assert (removed["has_api_key"], removed["api_key_hint"]) == (False, None)
    refused = judge_run(studio, project, {"judge": "correctness", **CASE})["score"]
    assert refused["error"].startswith("the judge's call failed: the provider answered 401")
    assert "Authorization" not in provider.requests[-1].headers
    assert TEST_API_KEY not in "".join(studio.output)


def test_failures_are_error_scores(studio: Studio, provider: OpenAICompatibleServer) -> None:
    project = "judged-failing"
    checked_put(
        studio.api,
        provider_path(project),
        {"base_url": provider.base_url, "model": "judge-model", "api_key": TEST_API_KEY},
    )
    provider.fail_next(400, times=1, message="model not found")
    failed = judge_run(studio, project, {"judge": "toxicity", "output": "Hello"})["score"]
    assert failed["error"] == "the judge's call failed: the provider answered 400: model not found"
    provider.on(times=1, content="I would rather not say.")
    unparsed = judge_run(studio, project, {"judge": "toxicity", "output": "Hello"})["score"]
    assert unparsed["error"].startswith("the judge's answer did not parse")
    assert unparsed["judge"]["response"] == "I would rather not say."
    template = {
        **BUILTIN_JUDGE_TEMPLATES["toxicity"].to_json(),
        "name": "tox-json",
        "parse": "json",
    }
    provider.on(times=1, content='{"explanation": "friendly", "label": "non-toxic"}')
    edited = judge_run(studio, project, {"template": template, "output": "Hello"})["score"]
    assert (edited["name"], edited["label"], edited["value"]) == ("tox-json", "non-toxic", 1.0)


def test_refusals(studio: Studio, provider: OpenAICompatibleServer) -> None:
    missing = judge_run(studio, "no-provider", {"judge": "toxicity", "output": "x"}, 404)
    assert missing["error"]["message"].startswith("project no-provider has no judge provider")
    secret = "sk-should-not-echo-1234567890"
    for document, message in [
        ({"base_url": "ftp://x/v1", "model": "m"}, "base_url must be an http or https URL"),
        ({"base_url": "http://u:p@x/v1", "model": "m"}, "base_url must not hold credentials"),
        ({"base_url": "http://x/v1"}, "model must be a non-empty string"),
        ({"base_url": "http://x/v1", "model": "m", "api_key": 5}, "api_key must be"),
        (
            {"base_url": "http://x/v1", "model": "m", "key": secret},
            "key is not a judge provider field",
        ),
    ]:
        answer = checked_put(studio.api, provider_path("refused"), document, 400)
        assert answer["error"]["message"].startswith(message)
        assert secret not in answer["error"]["message"]
    checked_put(studio.api, provider_path("refused"), {"base_url": provider.base_url, "model": "m"})
    unknown = judge_run(studio, "refused", {"judge": "nope", "output": "x"}, 400)
    assert unknown["error"]["message"].startswith("judge must be one of correctness")


def test_the_input_never_shows_its_key() -> None:
    from gls_engine.evaluators.judge_provider import JudgeProviderInput

    given = JudgeProviderInput.from_json(
        {"base_url": "https://api.example.test/v1", "model": "m", "api_key": TEST_API_KEY}
    )
    assert given.api_key == TEST_API_KEY
    assert TEST_API_KEY not in repr(given) and TEST_API_KEY not in str(given)
