"""Token estimates against OpenAI's `tiktoken` package.

tiktoken fetches its BPE rank files at run time, which this machine cannot
do. So it is fed the rank files that the tiktoken-rs crate (the one the core
is built with) ships: tiktoken itself checks them against the SHA-256 it
pins for each encoding, so the reference is tiktoken's own code on OpenAI's
own ranks, with no network (a download attempt fails the test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gls_engine._core import (
    estimate_completion_tokens,
    estimate_tokens,
    token_encoding_for_model,
)

tiktoken = pytest.importorskip("tiktoken")

ROOT = Path(__file__).resolve().parents[2]


def tiktoken_rs_assets() -> Path:
    """The assets folder of the tiktoken-rs crate the core was built with."""
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    out = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--offline"],
        cwd=ROOT / "rust",
        capture_output=True,
        text=True,
        check=True,
    )
    for package in json.loads(out.stdout)["packages"]:
        if package["name"] == "tiktoken-rs":
            return Path(package["manifest_path"]).parent / "assets"
    raise AssertionError("tiktoken-rs is not a dependency of the core")


@pytest.fixture(scope="module")
def encodings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import tiktoken.load

    assets = tiktoken_rs_assets()
    real_read_file = tiktoken.load.read_file

    def read_local(blobpath: str) -> bytes:
        if "://" in blobpath:
            # tiktoken checks these bytes against its pinned hash after this returns.
            return (assets / blobpath.rsplit("/", 1)[-1]).read_bytes()
        return real_read_file(blobpath)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tiktoken.load, "read_file", read_local)
        mp.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-cache")))
        yield {name: tiktoken.get_encoding(name) for name in ("o200k_base", "cl100k_base")}


def sample_texts() -> list[str]:
    prose = [
        p
        for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        for p in doc.read_text().split("\n\n")
        if p.strip() and not p.lstrip().startswith(("[", "{"))
    ]
    code = [path.read_text() for path in sorted((ROOT / "python" / "gls_engine").glob("*.py"))]
    return [
        *prose[:60],
        "\n\n".join(prose),
        *code[:5],
        "Le cœur du système mesure le coût et l'empreinte carbone de chaque appel.",
        "每个请求的成本和碳排放都会被记录下来，并按模型汇总。",
        "トークン数は、モデルごとに異なるエンコーディングで数えます。",
        "Стоимость и углеродный след каждого вызова модели.",
        "تكلفة كل طلب وبصمته الكربونية",
        "यह प्रणाली हर अनुरोध की लागत मापती है।",
        "emoji 🚀🔥👩🏽‍💻 and ZWJ sequences 👨‍👩‍👧‍👦",
        "I'm sure they'll say we've DONE it; he'd've known. HELLO'S",
        "1234567890" * 40 + " 3.14159 -42 1e-9 0x1F",
        "a" + " " * 10_000 + "b",
        "\n" * 500 + "x\t\t\t\ty\r\n\r\nz",
        "text with <|endoftext|> and <|fim_prefix|> markers inside",
        '{"not": "a transcript", "messages": "just a string"}',
        "",
    ]


TEXTS = sample_texts()


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "gpt-4", "gpt-3.5-turbo"])
def test_plain_text_counts_equal_tiktoken(model: str, encodings: dict[str, Any]) -> None:
    encoding = encodings[tiktoken.model.encoding_name_for_model(model)]
    for text in TEXTS:
        tokens, system_tokens = estimate_tokens(model, text)
        assert tokens == len(encoding.encode_ordinary(text)), text[:80]
        assert system_tokens == 0
        assert estimate_completion_tokens(model, text) == tokens


# Fixed strings with their counts written down (tiktoken 0.14's encode_ordinary):
# (text, o200k_base tokens, cl100k_base tokens). A wrong count here is a change in
# tiktoken or in the ranks, not something the core could agree with by accident.
LITERAL_COUNTS = [
    ("hello world", 2, 2),
    ("Hello, world!", 4, 4),
    ("GreenLang Studio measures the carbon of every trace.", 10, 10),
    ("每个请求的成本和碳排放都会被记录下来，并按模型汇总。", 20, 26),
    ("emoji 🚀🔥👩🏽\u200d💻", 11, 17),
    ("1234567890" * 4, 14, 14),
    ("", 0, 0),
]


@pytest.mark.parametrize(("text", "o200k", "cl100k"), LITERAL_COUNTS)
def test_literal_counts(text: str, o200k: int, cl100k: int, encodings: dict[str, Any]) -> None:
    assert len(encodings["o200k_base"].encode_ordinary(text)) == o200k
    assert len(encodings["cl100k_base"].encode_ordinary(text)) == cl100k
    assert estimate_tokens("gpt-4o", text) == (o200k, 0)
    assert estimate_tokens("gpt-4", text) == (cl100k, 0)


def test_literal_transcript_count() -> None:
    """A chat transcript counted by hand as OpenAI's cookbook does: 3 tokens per
    message, + 3 for the reply's priming; 'hello world' is 2 tokens, 'user' and
    'system' 1 each; the system message's content is also the system count."""
    messages = [
        {"role": "system", "content": "hello world"},
        {"role": "user", "content": "hello world"},
    ]
    assert estimate_tokens("gpt-4o", json.dumps(messages)) == (3 + 1 + 2 + 3 + 1 + 2 + 3, 2)


OPENAI_MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4o-2024-08-06",
    "chatgpt-4o-latest",
    "gpt-4.1",
    "gpt-4.1-nano",
    "gpt-4.5-preview",
    "gpt-5",
    "gpt-5-mini",
    "o1",
    "o1-mini",
    "o3",
    "o3-mini",
    "o4-mini",
    "gpt-oss-20b",
    "gpt-4",
    "gpt-4-turbo",
    "gpt-4-0613",
    "gpt-3.5-turbo",
    "gpt-3.5-turbo-0125",
    "text-embedding-3-small",
    "text-embedding-ada-002",
]


@pytest.mark.parametrize("model", OPENAI_MODELS)
def test_model_encoding_follows_tiktoken(model: str) -> None:
    expected = tiktoken.model.encoding_name_for_model(model)
    # o200k_harmony has o200k_base's ranks and pattern: the same ordinary-text counts.
    expected = {"o200k_harmony": "o200k_base"}.get(expected, expected)
    assert token_encoding_for_model(model) == expected
    assert token_encoding_for_model(f"openai/{model}") == expected


def test_other_vendors_fall_back_to_cl100k() -> None:
    for model in ["claude-3-5-sonnet-20241022", "gemini-1.5-pro", "llama-3.1-70b", "", "mistral"]:
        with pytest.raises(KeyError):
            tiktoken.model.encoding_name_for_model(model)
        assert token_encoding_for_model(model) == "cl100k_base"


def cookbook_num_tokens(messages: list[dict[str, str]], encoding: Any) -> int:
    """num_tokens_from_messages of OpenAI's cookbook "How to count tokens
    with tiktoken", for current chat models (gpt-4o, gpt-4, gpt-3.5-turbo-0613+)."""
    tokens_per_message, tokens_per_name = 3, 1
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode_ordinary(value))
            if key == "name":
                num_tokens += tokens_per_name
    return num_tokens + 3  # every reply is primed with <|start|>assistant<|message|>


def transcripts() -> list[list[dict[str, str]]]:
    prose = [t for t in TEXTS[:60] if t]
    return [
        [
            {"role": "system", "content": prose[0]},
            {"role": "user", "content": prose[1]},
        ],
        [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "system", "name": "example_user", "content": "New synergies will help."},
            {"role": "system", "name": "example_assistant", "content": "Things working well."},
            {"role": "user", "content": prose[2]},
            {"role": "assistant", "content": prose[3]},
            {"role": "user", "content": prose[4]},
        ],
        [{"role": "developer", "content": prose[5]}, {"role": "user", "content": TEXTS[-6]}],
        [{"role": "user", "content": "每个请求的成本 🚀"}],
        [{"role": "user", "content": ""}],
    ]


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4"])
@pytest.mark.parametrize("index", range(len(transcripts())))
def test_messages_count_as_the_openai_cookbook(
    model: str, index: int, encodings: dict[str, Any]
) -> None:
    encoding = encodings[tiktoken.model.encoding_name_for_model(model)]
    messages = transcripts()[index]
    tokens, system_tokens = estimate_tokens(model, json.dumps(messages))
    assert tokens == cookbook_num_tokens(messages, encoding)
    assert system_tokens == sum(
        len(encoding.encode_ordinary(m["content"]))
        for m in messages
        if m["role"] in ("system", "developer")
    )
    # The same transcript wrapped as {"messages": [...]}.
    assert estimate_tokens(model, json.dumps({"messages": messages})) == (tokens, system_tokens)


def test_content_parts_and_completions(encodings: dict[str, Any]) -> None:
    encoding = encodings["o200k_base"]
    first, second = TEXTS[0], TEXTS[1]
    parts = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": first},
                {"type": "image_url", "image_url": {"url": "https://example.invalid/x.png"}},
                {"type": "text", "text": second},
            ],
        }
    ]
    tokens, _ = estimate_tokens("gpt-4o", json.dumps(parts))
    as_string = [{"role": "user", "content": first}]
    expected = cookbook_num_tokens(as_string, encoding) + len(encoding.encode_ordinary(second))
    assert tokens == expected
    completion = json.dumps([{"role": "assistant", "content": second}])
    assert estimate_completion_tokens("gpt-4o", completion) == len(encoding.encode_ordinary(second))


def test_estimates_need_no_network(encodings: dict[str, Any]) -> None:
    """The core loads its encoders without tiktoken's downloads (no cache dir, no URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOKEN", "DATA_GYM"))}
    env["TIKTOKEN_CACHE_DIR"] = "/nonexistent"
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from gls_engine._core import estimate_tokens\n"
        "print(estimate_tokens('gpt-4o', 'hello world')[0], estimate_tokens('gpt-4', 'hi')[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    expected = [
        len(encodings["o200k_base"].encode_ordinary("hello world")),
        len(encodings["cl100k_base"].encode_ordinary("hi")),
    ]
    assert [int(n) for n in out.stdout.split()] == expected
