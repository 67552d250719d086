"""The chain store on both metadata backends (SQLite and a real PostgreSQL): chains,
immutable versions, labels and their moves, the runner's resolver; and every
refusal (unknown provider, missing sub-chain, version or label, cycles at save
and by a label move, bad names and definitions, a name taken) leaving the
tables exactly as they were."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from metadata.metadata_backends import metadata_url  # noqa: F401 - the fixture
from sqlalchemy import text

from gls_engine.chains.llm_providers import LlmProviderInput, LlmProviders
from gls_engine.chains.store import ChainStore
from gls_engine.errors import ConflictError, InvalidParameterError, NotFoundError
from gls_engine.metadata import MetadataStore
from gls_engine.secret_box import SecretBox

P = "store-tests"
TABLES = ("chains", "chain_versions", "chain_labels", "chain_label_moves", "chain_runs")


def llm(step_id: str = "ask", provider: str = "local") -> dict[str, Any]:
    return {
        "id": step_id,
        "type": "llm",
        "provider": provider,
        "model": "m",
        "messages": [{"role": "user", "content": "{{ question }}"}],
    }


def sub(step_id: str, chain: str, **ref: Any) -> dict[str, Any]:
    return {"id": step_id, "type": "chain", "chain": chain, **ref}


def definition(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "input_schema": {"type": "object", "properties": {"question": {"type": "string"}}},
        "steps": list(steps) or [llm()],
    }


@pytest.fixture
async def metadata(metadata_url: str) -> AsyncIterator[MetadataStore]:  # noqa: F811
    store = MetadataStore(metadata_url)
    await store.open()
    providers = LlmProviders(store, lambda: SecretBox(b"k" * 32))
    await providers.create(P, LlmProviderInput("local", "openai", "http://127.0.0.1:9/v1"))
    yield store
    await store.close()


@pytest.fixture
def chains(metadata: MetadataStore) -> ChainStore:
    return ChainStore(metadata)


async def counts(metadata: MetadataStore) -> dict[str, int]:
    async with metadata.sessions() as session:
        return {
            table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in TABLES
        }


async def refused(
    metadata: MetadataStore, error: type[Exception], message: str, action: Any
) -> None:
    """`action` fails with `error` naming `message`, and writes nothing."""
    before = await counts(metadata)
    with pytest.raises(error) as caught:
        await action
    assert message in str(caught.value), str(caught.value)
    assert await counts(metadata) == before


async def test_create_version_label_read_and_delete(
    chains: ChainStore, metadata: MetadataStore
) -> None:
    created = await chains.create(P, "qa", definition(), description="Q&A", message="first")
    assert created["version"] == 1 and created["chain"] == "qa"
    # stored canonical: every field of an LLM step written out
    assert created["definition"]["steps"][0]["parameters"] == {}
    assert created["definition"]["steps"][0]["output"] == "text"

    second = await chains.add_version(P, "qa", definition(llm("other")), message="2nd")
    assert second["version"] == 2
    await chains.set_label(P, "qa", "production", 1)
    await chains.set_label(P, "qa", "production", 2)
    await chains.set_label(P, "qa", "staging", 2)

    listed = await chains.list_chains(P)
    assert [(c["name"], c["latest_version"], c["labels"]) for c in listed] == [
        ("qa", 2, {"production": 2, "staging": 2})
    ]
    one = await chains.get(P, "qa")
    assert [(v["number"], v["message"]) for v in one["versions"]] == [(2, "2nd"), (1, "first")]
    assert [(label["label"], label["version"]) for label in one["labels"]] == [
        ("production", 2),
        ("staging", 2),
    ]
    by_label = await chains.version(P, "qa", label="production")
    assert by_label["version"] == 2 and by_label["labels"] == ["production", "staging"]
    assert (await chains.version(P, "qa", version=1))["definition"]["steps"][0]["id"] == "ask"
    assert (await chains.version(P, "qa"))["version"] == 2

    await chains.remove_label(P, "qa", "production")
    history = await chains.label_history(P, "qa", "production")
    assert history["version"] is None
    assert [(m["from_version"], m["to_version"]) for m in history["moves"]] == [
        (None, 1),
        (1, 2),
        (2, None),
    ]

    resolved = await chains.resolve(P, "qa", label="staging")
    assert resolved.version == 2 and resolved.definition.steps[0].id == "other"
    assert (await chains.resolve(P, "qa")).version == 2

    # a run of the chain keeps its row when the chain goes
    async with metadata.sessions() as session, session.begin():
        chain_id = (
            await session.execute(text("SELECT id FROM chains WHERE name = 'qa'"))
        ).scalar_one()
        await session.execute(
            text(
                "INSERT INTO chain_runs (id, project, chain_id, chain_name, chain_version,"
                " source, status, steps, logs, environment, created_at) VALUES ('r1', :p,"
                " :c, 'qa', 2, 'api', 'succeeded', '[]', '[]', 'e', CURRENT_TIMESTAMP)"
            ),
            {"p": P, "c": chain_id},
        )
    await chains.delete(P, "qa")
    assert await counts(metadata) == {
        "chains": 0,
        "chain_versions": 0,
        "chain_labels": 0,
        "chain_label_moves": 0,
        "chain_runs": 1,
    }
    async with metadata.sessions() as session:
        run = (await session.execute(text("SELECT chain_id, chain_name FROM chain_runs"))).one()
    assert tuple(run) == (None, "qa")
    with pytest.raises(NotFoundError, match="no chain 'qa' in project store-tests"):
        await chains.resolve(P, "qa")


async def test_versions_are_numbered_per_chain_and_concurrent_saves_take_turns(
    chains: ChainStore,
) -> None:
    await chains.create(P, "a", definition())
    await chains.create(P, "b", definition())
    added = await asyncio.gather(*(chains.add_version(P, "a", definition()) for _ in range(6)))
    assert sorted(v["version"] for v in added) == [2, 3, 4, 5, 6, 7]
    assert (await chains.add_version(P, "b", definition()))["version"] == 2


async def test_refusals_write_nothing(chains: ChainStore, metadata: MetadataStore) -> None:
    await chains.create(P, "leaf", definition())
    await chains.set_label(P, "leaf", "production", 1)

    await refused(
        metadata,
        InvalidParameterError,
        "steps[1] (second).provider: no LLM provider 'nope' in project store-tests",
        chains.create(P, "x", definition(llm(), llm("second", "nope"))),
    )
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0] (more).chain: no chain 'missing' in project store-tests",
        chains.create(P, "x", definition(sub("more", "missing"))),
    )
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0] (more).version: chain 'leaf' has no version 3 (latest: 1)",
        chains.create(P, "x", definition(sub("more", "leaf", version=3))),
    )
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0] (more).label: chain 'leaf' has no label 'staging'",
        chains.create(P, "x", definition(sub("more", "leaf", label="staging"))),
    )
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0].type: unknown step type 'python'",
        chains.create(P, "x", {"steps": [{"id": "s", "type": "python"}]}),
    )
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0] (ask).messages[0].content",
        chains.add_version(
            P,
            "leaf",
            definition({**llm(), "messages": [{"role": "user", "content": "{{ city }}"}]}),
        ),
    )
    await refused(
        metadata,
        ConflictError,
        "already has a chain named 'leaf'",
        chains.create(P, "leaf", definition()),
    )
    await refused(
        metadata, NotFoundError, "no chain 'ghost'", chains.add_version(P, "ghost", definition())
    )
    await refused(
        metadata,
        NotFoundError,
        "has no version 9",
        chains.set_label(P, "leaf", "production", 9),
    )
    assert (await chains.version(P, "leaf"))["version"] == 1


async def test_cycles_are_refused_at_save(chains: ChainStore, metadata: MetadataStore) -> None:
    await chains.create(P, "a", definition())
    await chains.create(P, "b", definition(sub("call-a", "a")))
    # a's new version would call b, which calls a's latest: the new version itself
    await refused(
        metadata,
        InvalidParameterError,
        "steps[1] (more).chain: a cycle: a -> b -> a",
        chains.add_version(P, "a", definition(llm(), sub("more", "b"))),
    )
    # a chain calling itself, by its latest
    await refused(
        metadata,
        InvalidParameterError,
        "steps[0] (me).chain: a cycle: c -> c",
        chains.create(P, "c", definition(sub("me", "c"))),
    )
    # pinned to a's version 1, which calls nothing: no cycle
    pinned = await chains.add_version(P, "a", definition(sub("old-self", "a", version=1)))
    assert pinned["version"] == 2
    # three long, through a label
    await chains.set_label(P, "a", "production", 2)
    await chains.create(P, "c", definition(sub("to-b", "b")))
    await refused(
        metadata,
        InvalidParameterError,
        "a cycle: a -> c -> b -> a",
        chains.add_version(P, "a", definition(sub("to-c", "c"))),
    )
    # validate checks as a save of `name` would, and writes nothing
    await refused(
        metadata,
        InvalidParameterError,
        "a cycle: a -> c -> b -> a",
        chains.validate(P, definition(sub("to-c", "c")), name="a"),
    )
    checked = await chains.validate(P, definition(sub("to-c", "c")))
    assert checked.sub_chains()[0].chain == "c"


async def test_a_label_move_that_makes_a_cycle_is_refused(
    chains: ChainStore, metadata: MetadataStore
) -> None:
    await chains.create(P, "a", definition())
    await chains.set_label(P, "a", "production", 1)
    await chains.create(P, "b", definition(sub("call-a", "a", label="production")))
    # version 2 of a calls b at its version 1, which calls a@production (version 1): fine
    await chains.add_version(P, "a", definition(sub("call-b", "b", version=1)))
    # pointing production at version 2 would close a -> b -> a
    await refused(
        metadata,
        InvalidParameterError,
        "version: label 'production' on version 2 of chain 'a' makes a sub-chain cycle: "
        "a -> b -> a",
        chains.set_label(P, "a", "production", 2),
    )
    assert (await chains.label_history(P, "a", "production"))["version"] == 1
    # another label on version 2 makes no cycle
    assert (await chains.set_label(P, "a", "candidate", 2))["version"] == 2


async def test_enabled_agents_are_checked_when_a_registry_is_given(
    metadata: MetadataStore,
) -> None:
    agent_step = {"id": "grid", "type": "greenlang", "agent": "GridFactorAgent"}

    async def enabled() -> frozenset[str]:
        return frozenset({"FuelAgent"})

    strict = ChainStore(metadata, enabled)
    before = await counts(metadata)
    with pytest.raises(InvalidParameterError, match="steps\\[0\\] \\(grid\\).agent"):
        await strict.create(P, "g", definition(agent_step))
    assert await counts(metadata) == before
    lenient = ChainStore(metadata)  # no registry: the agent is the runner's to check
    assert (await lenient.create(P, "g", definition(agent_step)))["version"] == 1


async def test_projects_do_not_see_each_others_chains(chains: ChainStore) -> None:
    await chains.create(P, "qa", definition())
    with pytest.raises(NotFoundError):
        await chains.get("other-project", "qa")
    with pytest.raises(InvalidParameterError, match="no LLM provider 'local' in project other"):
        await chains.create("other", "qa", definition())
    assert await chains.list_chains("other") == []


async def test_two_saves_at_once_cannot_close_a_cycle_together(chains: ChainStore) -> None:
    """Each save alone is fine; both would make a -> b -> a. Saves of a project take
    turns, so the second sees the first and is refused (on PostgreSQL too, where the
    two run on connections of their own)."""
    for attempt in range(5):
        a, b = f"a{attempt}", f"b{attempt}"
        await chains.create(P, a, definition())
        await chains.create(P, b, definition())
        results = await asyncio.gather(
            chains.add_version(P, a, definition(sub("call", b))),
            chains.add_version(P, b, definition(sub("call", a))),
            return_exceptions=True,
        )
        refusals = [r for r in results if isinstance(r, Exception)]
        assert len(refusals) == 1, results
        assert isinstance(refusals[0], InvalidParameterError)
        assert "a cycle" in str(refusals[0])
