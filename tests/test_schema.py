"""JSON Schemas: committed, in sync, and in agreement with the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError
from referencing import Registry, Resource

from secondvictim_core import _schema
from secondvictim_core._yaml import parse
from secondvictim_core.models import ITEM_ADAPTER

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "schemas"
PACKS = Path(__file__).parent / "packs"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "v1" / f"{name}.schema.json").read_text(encoding="utf-8"))
    # A local registry only: nothing is ever fetched over the network.
    registry: Registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.FormatChecker())


def test_committed_schemas_are_in_sync() -> None:
    assert _schema.drift(SCHEMAS) == []


def test_schema_ids_are_versioned() -> None:
    for path in (SCHEMAS / "v1").glob("*.schema.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["$id"].startswith("urn:secondvictim-core:schema:v1:")
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(doc)


def _pack_items(root: Path):  # type: ignore[no-untyped-def]
    for path in sorted(root.rglob("*.yaml")):
        if path.name in ("pack.yaml", "overlay.yaml"):
            continue
        # The project's own safe parser: dates stay text, exactly as the loader sees them.
        parsed, problems = parse(path, path.name)
        assert parsed is not None, problems
        data = parsed.data
        for item in data if isinstance(data, list) else [data]:
            if "body_file" in item:
                item["body"] = (path.parent / item.pop("body_file")).read_text(encoding="utf-8")
            yield path, item


@pytest.mark.parametrize("pack", [PACKS / "valid", ROOT / "content"], ids=["test-pack", "default-pack"])
def test_every_pack_file_validates_with_jsonschema(pack: Path) -> None:
    validator = _validator("item")
    parsed, _ = parse(pack / "pack.yaml", "pack.yaml")
    assert parsed is not None
    manifest = parsed.data
    assert not list(_validator("pack").iter_errors(manifest))
    failures = [(str(p), item.get("id"), e.message) for p, item in _pack_items(pack)
                for e in validator.iter_errors(item)]
    assert failures == []


GOOD = [
    {"kind": "faq", "id": "faq-x", "title": "Q?", "summary": "S", "audiences": ["second_victim"],
     "topic": "T", "process": "psirf", "body": "A.",
     "sources": [{"title": "t", "url": "https://example.org/", "seen": "2026-11-01"}],
     "review": {"owner": "o", "last_reviewed": "2026-11-01", "next_review_due": "2027-11-01"}},
]


def _bad(**changes: object) -> dict[str, object]:
    doc = dict(GOOD[0])
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


BAD = [
    _bad(kind="faqq"),
    _bad(id="Not A Slug"),
    _bad(audiences=[]),
    _bad(audiences=["nurses"]),
    _bad(process="unknown"),
    _bad(extra_field=1),
    _bad(body=None),
    _bad(sources=[]),
    _bad(review={"owner": "o", "last_reviewed": "yesterday", "next_review_due": "2027-11-01"}),
    _bad(order="first"),
]


@pytest.mark.parametrize("doc", GOOD + BAD)
def test_jsonschema_and_pydantic_agree(doc: dict[str, object]) -> None:
    schema_ok = not list(_validator("item").iter_errors(doc))
    try:
        ITEM_ADAPTER.validate_python(doc)
        model_ok = True
    except ValidationError:
        model_ok = False
    assert schema_ok == model_ok
    assert schema_ok == (doc in GOOD)
