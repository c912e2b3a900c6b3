#!/usr/bin/env python3
"""Validate JSON documents against a JSON Schema with PyPI jsonschema (the draft the schema's
`$schema` names: Draft 4 for SARIF 2.1.0, 2020-12 for keywarden's report).

    validate_json.py SCHEMA FILE... ; exit 0 when all are valid, 1 with the errors otherwise.
"""
import json
import sys

import jsonschema


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path, encoding="utf-8"))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:20]:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}")
        bad += bool(errors)
    print(f"{len(sys.argv) - 2 - bad} of {len(sys.argv) - 2} valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
