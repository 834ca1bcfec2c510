#!/usr/bin/env python3
"""Trim the published OCSF and ECS schemas to what the format tests need.

Run from the repository root, with the schemas of the shared directory:

    python3 cmd/riskcloud-audit/testdata/trim_schemas.py ../shared/schemas

It writes ocsf-1.5.0-authentication.json and ecs-9.4.0-fields.json beside
itself. Needs PyYAML (the ECS file is YAML; the tests read JSON, so the
module needs no YAML dependency).

Sources, both under the Apache License 2.0:
  ocsf-1.5.0.json: ocsf/ocsf-lib-py, schema_cache/schema-1.5.0.json
  ecs-9.4.0-flat.yml: elastic/ecs tag v9.4.0, generated/ecs/ecs_flat.yml
"""
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# The OCSF objects an emitted event may contain. An event holding another
# object fails the tests until it is added here.
OCSF_OBJECTS = ["metadata", "product", "user", "service", "network_endpoint", "logger"]

# The ECS field sets (the first part of a dotted name) kept, with the
# fields of the base set.
ECS_SETS = {"agent", "ecs", "event", "source", "user", "service", "observer", "related"}
ECS_BASE = {"@timestamp", "labels", "message", "tags"}


def ocsf_attr(a):
    out = {"type": a.get("type"), "requirement": a.get("requirement")}
    for key in ("object_type", "profile"):
        if a.get(key):
            out[key] = a[key]
    if a.get("is_array"):
        out["is_array"] = True
    if a.get("enum"):
        out["enum"] = {k: v.get("caption") for k, v in a["enum"].items()}
    return out


def ocsf_object(o):
    return {
        "name": o["name"],
        "constraints": o.get("constraints") or {},
        "attributes": {n: ocsf_attr(a) for n, a in sorted(o["attributes"].items())},
    }


def trim_ocsf(src):
    with open(os.path.join(src, "ocsf-1.5.0.json")) as f:
        s = json.load(f)
    cls = s["classes"]["authentication"]
    out = {
        "_source": "ocsf/ocsf-lib-py schema_cache/schema-1.5.0.json (OCSF 1.5.0), Apache License 2.0; "
        "trimmed by trim_schemas.py",
        "version": s["version"],
        "class": dict(ocsf_object(cls), uid=cls["uid"], category_uid=s["categories"][cls["category"]]["uid"],
                      category_name=s["categories"][cls["category"]]["caption"], caption=cls["caption"]),
        "objects": {n: ocsf_object(s["objects"][n]) for n in OCSF_OBJECTS},
        "types": {n: {k: t.get(k) for k in ("type", "regex", "max_len", "range", "values") if t.get(k) is not None}
                  for n, t in s["types"].items()},
    }
    with open(os.path.join(HERE, "ocsf-1.5.0-authentication.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def trim_ecs(src):
    with open(os.path.join(src, "ecs-9.4.0-flat.yml")) as f:
        d = yaml.safe_load(f)
    fields = {}
    for name, fd in sorted(d.items()):
        if name not in ECS_BASE and name.split(".")[0] not in ECS_SETS:
            continue
        out = {"type": fd["type"], "level": fd.get("level")}
        if "array" in (fd.get("normalize") or []):
            out["array"] = True
        if fd.get("required"):
            out["required"] = True
        if fd.get("allowed_values"):
            out["allowed"] = {v["name"]: v.get("expected_event_types") or [] for v in fd["allowed_values"]}
        fields[name] = out
    out = {
        "_source": "elastic/ecs tag v9.4.0, generated/ecs/ecs_flat.yml, Apache License 2.0; "
        "trimmed and converted to JSON by trim_schemas.py",
        "version": "9.4.0",
        "fields": fields,
    }
    with open(os.path.join(HERE, "ecs-9.4.0-fields.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/schemas"
    trim_ocsf(src)
    trim_ecs(src)
