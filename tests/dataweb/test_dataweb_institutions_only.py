"""The data web maps institutions only: no kind for a person, no personal data."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from custodes.cli import main
from custodes.dataweb.loader import load_dataweb
from custodes.dataweb.model import FIELDS, PERSONAL_DATA_FIELDS


def check(folder):
    return CliRunner().invoke(main, ["check", "--data", str(folder)])


def test_vocabulary_has_no_kind_for_persons():
    kinds = load_dataweb().vocabulary["organisation_kinds"]
    assert not {"person", "individual", "people", "private_person"} & set(kinds)


def test_schema_fields_hold_no_personal_data():
    for required, optional in FIELDS.values():
        assert not (required | optional) & PERSONAL_DATA_FIELDS


def test_a_person_kind_is_rejected(tmp_path, minimal, web_writer):
    minimal["organisations.yaml"].append(
        {
            "id": "org.someone",
            "name": "A private individual",
            "kind": "person",
            "summary": "x",
            "sources": ["src.one"],
        }
    )
    result = check(web_writer(tmp_path / "bad", minimal))
    assert result.exit_code == 1
    assert "organisations.yaml: org.someone" in result.output
    assert "no kind for private persons" in result.output


@pytest.mark.parametrize(
    "field",
    ["home_address", "date_of_birth", "ssn", "phone", "license_plate", "a_number"],
)
def test_personal_data_fields_are_rejected(tmp_path, minimal, web_writer, field):
    minimal["data_sources.yaml"][0][field] = "anything"
    result = check(web_writer(tmp_path / "bad", minimal))
    assert result.exit_code == 1
    assert "data_sources.yaml: ds.records" in result.output
    assert f"field '{field}' would hold personal data" in result.output


def test_personal_data_inside_history_is_rejected(tmp_path, minimal, web_writer):
    minimal["flows.yaml"][0]["history"][0]["full_name"] = "anyone"
    result = check(web_writer(tmp_path / "bad", minimal))
    assert result.exit_code == 1
    assert "history.full_name" in result.output


def test_shipped_data_has_no_personal_data_fields():
    def keys(value):
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    for entry in load_dataweb().entries.values():
        assert not set(keys(entry.data)) & PERSONAL_DATA_FIELDS, entry.id
