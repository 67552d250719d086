"""The evaluators API on a real Studio, every answer checked against api/openapi.yaml."""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from evaluator_api import checked_post

from gls_engine.evaluators import BUILTIN_JUDGE_TEMPLATES

from conftest import Studio
from openapi_check import checked_get


def run(studio: Studio, document: Any, expect: int = 200, **kwargs: Any) -> Any:
    return checked_post(studio.api, "/api/v1/evaluators/run", document, expect, **kwargs)


def error_message(answer: Any) -> str:
    return answer["error"]["message"]


def test_catalogue(studio: Studio) -> None:
    catalogue = checked_get(studio.api, "/api/v1/evaluators")
    by_name = {e["name"]: e for e in catalogue["evaluators"]}
    assert {
        "exact_match",
        "contains",
        "regex",
        "json_valid",
        "json_schema",
        "numeric_tolerance",
        "string_similarity",
        "correctness",
        "hallucination",
        "relevance",
        "toxicity",
    } == set(by_name)
    regex = by_name["regex"]
    assert (regex["kind"], regex["score_kind"]) == ("heuristic", "boolean")
    assert regex["parameters"]["required"] == ["pattern"]
    assert by_name["string_similarity"]["parameters"]["properties"]["method"]["enum"] == [
        "ratio",
        "token_set_ratio",
        "normalized_levenshtein",
        "jaro_winkler",
    ]
    assert (
        by_name["correctness"]["kind"] == "llm_judge" and by_name["correctness"]["needs_expected"]
    )
    templates = {t["name"]: t for t in catalogue["judge_templates"]}
    assert templates == {n: t.to_json() for n, t in BUILTIN_JUDGE_TEMPLATES.items()}
    assert "{{ expected }}" in templates["correctness"]["messages"][1]["content"]


def test_run_scores(studio: Studio) -> None:
    exact = run(
        studio,
        {
            "evaluator": "exact_match",
            "output": " Paris ",
            "expected": "Paris",
            "parameters": {"whitespace": "trim"},
        },
    )
    assert exact["score"] == {
        "name": "exact_match",
        "kind": "boolean",
        "value": 1.0,
        "label": "pass",
        "passed": True,
        "explanation": None,
        "error": None,
        "judge": None,
        "judge_trace_id": None,
    }
    similar = run(
        studio,
        {
            "evaluator": "string_similarity",
            "output": "colour",
            "expected": "color",
            "parameters": {"threshold": 0.8},
        },
    )
    assert similar["score"]["kind"] == "numeric" and similar["score"]["passed"] is True
    schema = run(
        studio,
        {
            "evaluator": "json_schema",
            "output": {"age": "old"},
            "parameters": {"schema": {"properties": {"age": {"type": "integer"}}}},
        },
    )
    assert schema["score"]["passed"] is False and "$.age" in schema["score"]["explanation"]
    evil = run(
        studio,
        {"evaluator": "regex", "output": "a" * 50_000 + "b", "parameters": {"pattern": "(a+)+$"}},
    )
    assert evil["score"]["passed"] is False
    missing = run(studio, {"evaluator": "numeric_tolerance", "output": "3"})
    assert missing["score"]["error"] == "the case has no expected output"


def test_run_refusals_name_the_field(studio: Studio) -> None:
    cases = [
        (
            {"evaluator": "regex", "output": "x", "parameters": {"pattern": "(a)\\1"}},
            "parameters.pattern is not a pattern RE2",
        ),
        ({"evaluator": "regex", "output": "x"}, "parameters: 'pattern' is a required property"),
        (
            {"evaluator": "contains", "output": "x", "parameters": {"mode": "most"}},
            "parameters.mode:",
        ),
        (
            {
                "evaluator": "json_schema",
                "output": "{}",
                "parameters": {"schema": {"type": "strin"}},
            },
            "parameters.schema.type:",
        ),
        ({"evaluator": "nope", "output": "x"}, "evaluator must be one of exact_match"),
        ({"evaluator": "toxicity", "output": "x"}, "evaluator 'toxicity' is an LLM judge"),
        ({"evaluator": 3, "output": "x"}, "evaluator must be a string"),
        ({"evaluator": "exact_match"}, "output is required"),
        ({"evaluator": "exact_match", "output": "x", "metadata": []}, "metadata must be an object"),
        ({"evaluator": "exact_match", "output": "x" * 100_001}, "output is over 100000 characters"),
        ([1, 2], "the body must be a JSON object"),
        ({"evaluator": "exact_match", "output": [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]] * 5}, None),
        (
            {"evaluator": "exact_match", "output": json.loads("[" * 300 + "]" * 300)},
            "the body nests deeper than 64",
        ),
    ]
    for document, message in cases:
        if message is None:  # deep, but not too deep
            run(studio, document)
            continue
        answer = run(studio, document, 400)
        assert answer["error"]["code"] == "invalid_parameter"
        assert error_message(answer).startswith(message), (document, answer)
    not_json = run(studio, None, 400, body=b"{nope")
    assert error_message(not_json).startswith("the body is not valid JSON")
    wrong_type = run(studio, None, 415, body=b"{}", content_type="text/plain")
    assert wrong_type["error"]["code"] == "unsupported_media_type"
    too_big = run(studio, None, 413, body=b" " * ((1 << 20) + 1))
    assert too_big["error"]["code"] == "payload_too_large"


def test_judge_preview(studio: Studio) -> None:
    template = BUILTIN_JUDGE_TEMPLATES["correctness"].to_json()
    preview = checked_post(
        studio.api,
        "/api/v1/evaluators/judge-preview",
        {
            "template": template,
            "input": "Capital of France?",
            "output": "Paris",
            "expected": "Paris",
            "answer": "EXPLANATION: same city\nLABEL: correct",
        },
    )
    assert preview["variables"] == ["input", "output", "expected"]
    assert "<reference_answer>\nParis\n</reference_answer>" in preview["messages"][1]["content"]
    assert preview["messages"][1]["content"].endswith(template["effective_output_instructions"])
    assert preview["verdict"] == {
        "label": "correct",
        "score": 1.0,
        "explanation": "same city",
        "error": None,
    }
    unparsed = checked_post(
        studio.api,
        "/api/v1/evaluators/judge-preview",
        {"template": template, "output": "Paris", "expected": "Paris", "answer": "no idea"},
    )
    assert unparsed["verdict"]["error"].startswith("the answer names none of the labels")


def test_a_hostile_template_is_refused_and_shown_as_text(studio: Studio) -> None:
    hostile = BUILTIN_JUDGE_TEMPLATES["toxicity"].to_json()
    hostile["messages"][1]["content"] = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    answer = checked_post(
        studio.api, "/api/v1/evaluators/judge-preview", {"template": hostile, "output": "x"}, 400
    )
    assert error_message(answer).startswith("template.messages[1].content: line 1:")
    # Values are data: a template-looking output is rendered as the text it is.
    template = BUILTIN_JUDGE_TEMPLATES["toxicity"].to_json()
    text = "{{ ''.__class__.__mro__ }} {% for x in y %}"
    preview = checked_post(
        studio.api, "/api/v1/evaluators/judge-preview", {"template": template, "output": text}
    )
    assert f"<text>\n{text}\n</text>" in preview["messages"][1]["content"]


def test_every_parameter_is_described_for_the_ui() -> None:
    from gls_engine.evaluators import HEURISTIC_EVALUATORS

    for evaluator in HEURISTIC_EVALUATORS.values():
        for name, spec in evaluator.parameter_schema["properties"].items():
            assert spec.get("description"), (evaluator.name, name)


def test_a_body_sent_in_pieces_is_read_whole(studio: Studio) -> None:
    """A StreamReader hands over what has arrived: one read(n) took the first
    piece of a body sent in several and refused it as bad JSON
    (gls_engine/json_body.py reads to the end)."""
    text = "a" * 50_000
    body = json.dumps({"evaluator": "exact_match", "output": text, "expected": text}).encode()

    def pieces() -> Any:
        for start in range(0, len(body), 16_384):
            time.sleep(0.01)  # each piece its own chunk on the wire
            yield body[start : start + 16_384]

    resp = requests.post(
        studio.api + "/api/v1/evaluators/run",
        data=pieces(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["score"]["passed"] is True
