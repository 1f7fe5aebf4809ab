"""The JSON Schema of the HTCDS export, derived from IOM's HTCDS 2.0 field list.

Only the fields the export fills (`htcds.EXPORTED_FIELDS`) are in the schema: their types come
from the field list's "type", their picklists become `enum`s of its "values". The committed
schema (`data/htcds-2.0-export.schema.json`) is what `manage.py htcds_schema` writes; a test
keeps the two equal.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FIELD_LIST = DATA / "htcds-2.0-fields.json"
SCHEMA_FILE = DATA / "htcds-2.0-export.schema.json"

ATTRIBUTION = (
    "Derived from IOM's Human Trafficking Case Data Standard (HTCDS) 2.0, CC BY 4.0; "
    "no endorsement by IOM implied."
)

# HTCDS dates at the precision the export gives them: ISO 8601 calendar dates of reduced
# precision (a year, or a year and a month) or full dates. JSON Schema's "date" format asks
# for a full date, which the pseudonymised export never gives.
DATE = {"type": "string", "pattern": r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"}


def _property(field: dict) -> dict:
    kind = field["type"]
    values = field["values"]
    if kind == "Multiselect Picklist":
        items: dict = {"type": "string"}
        if values:
            items["enum"] = values
        prop = {"type": "array", "items": items, "uniqueItems": True}
    elif kind in {"Picklist", "Picklist or Text"}:
        prop = {"type": "string"}
        if values and kind == "Picklist":
            prop["enum"] = values
    elif kind in {"Text", "Long Text"} or kind.startswith("Lookup"):
        prop = {"type": "string"}
    elif kind == "Date":
        prop = dict(DATE)
    elif kind == "Checkbox":
        prop = {"type": "boolean"}
    elif kind in {"Number", "Geolocation"}:
        prop = {"type": "number"}
    else:
        raise ValueError(f"HTCDS field {field['name']}: unknown type {kind!r}")
    described = {"description": field["description"]} if field["description"] else {}
    return {"title": field["label"], **described, **prop}


def build_schema(fields: list[str], required: list[str]) -> dict:
    """The export's schema for the HTCDS fields `fields`, in that order."""
    source = json.loads(FIELD_LIST.read_text(encoding="utf-8"))
    by_name = {field["name"]: field for field in source["fields"]}
    missing = [name for name in fields if name not in by_name]
    if missing:
        raise ValueError(f"not HTCDS 2.0 fields: {', '.join(missing)}")
    record = {
        "type": "object",
        "properties": {name: _property(by_name[name]) for name in fields},
        "required": required,
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ÅMP Case: pseudonymised case records in HTCDS 2.0",
        "description": (
            "One record a consenting returnee, in the fields of IOM's Human Trafficking Case "
            "Data Standard 2.0. " + ATTRIBUTION
        ),
        "$comment": f"{ATTRIBUTION} Source: {source['source']}. Licence: {source['licence']}.",
        "type": "object",
        "properties": {
            "standard": {"const": "HTCDS 2.0"},
            "attribution": {"const": ATTRIBUTION},
            "exported_on": DATE,
            "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
        },
        "required": ["standard", "attribution", "exported_on", "records"],
        "additionalProperties": False,
        "$defs": {"record": record},
    }


def schema_text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=1) + "\n"


def committed_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
