#!/usr/bin/python3
"""Write manifests/<family>.json from the installed timm, then embed manifests/*.json in the library.

    /usr/bin/python3 tools/make_manifests.py                 # architectures from Families.swift
    /usr/bin/python3 tools/make_manifests.py resnet18 resnet50  # only these (their families' files)
    /usr/bin/python3 tools/make_manifests.py --embed-only    # re-embed hand-edited manifests, no timm

For each architecture the manifest lists every pretrained cfg timm registers, in timm's order (the
first is the default tag), as `PretrainedCfg.to_dict()` gives it: facts only, nothing typed by hand.
The family, and so the file, is timm's module name (resnet50 -> resnet.json). A `sha256` already in
the manifest is kept while the cfg's url and hf_hub_id stay the same.

Why embed: SwiftPM resources must live inside the target folder and are found through
Bundle.module at run time (a bundle next to the binary). The project keeps manifests at the top
level, so this script also writes Sources/ZooRegistry/BuiltinManifests.swift holding their text;
the `zoo` binary then needs no files beside it. A test checks the two stay equal.
"""
import argparse
import json
import os
import re
import sys
from collections import OrderedDict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFESTS = os.path.join(ROOT, "manifests")
FAMILIES_SWIFT = os.path.join(ROOT, "Sources", "ZooRegistry", "Families.swift")
EMBEDDED_SWIFT = os.path.join(ROOT, "Sources", "ZooRegistry", "BuiltinManifests.swift")
FORMAT_VERSION = 1

# PretrainedCfg's fields as the Swift side reads them, in timm's order; `sha256` is ours.
FIELDS = [
    "url", "file", "hf_hub_id", "hf_hub_filename", "sha256", "architecture", "tag", "custom_load",
    "input_size", "test_input_size", "min_input_size", "fixed_input_size", "interpolation",
    "crop_pct", "test_crop_pct", "crop_mode", "mean", "std", "num_classes", "label_offset",
    "pool_size", "test_pool_size", "first_conv", "classifier", "license", "description",
    "origin_url", "paper_name", "paper_ids", "notes",
]
# timm fields a manifest does not carry: runtime state and label tables.
NOT_CARRIED = {"state_dict", "source", "label_names", "label_descriptions"}


def to_json(value, indent=0):
    """JSON the way JSONValue.rendered() in Swift prints it: objects one field a line, arrays of
    plain values on one line. Floats print as Python's repr, which the Swift side matches."""
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        if not value:
            return "{}"
        fields = [f"{pad}{json.dumps(k)}: {to_json(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(fields) + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return "[" + ", ".join(to_json(v) for v in value) + "]"
        return "[\n" + ",\n".join(pad + to_json(v, indent + 2) for v in value) + "\n" + " " * indent + "]"
    return json.dumps(value, ensure_ascii=False)


def registered_architectures():
    """The quoted names in Families.swift, by family, in order."""
    text = open(FAMILIES_SWIFT).read()
    families = OrderedDict()
    for family, names in re.findall(r'\(\s*"(\w+)",\s*\[([^\]]*)\]\s*\)', text):
        families[family] = re.findall(r'"(\w+)"', names)
    if not families:
        sys.exit(f"no (family, [names]) list found in {FAMILIES_SWIFT}")
    return families


def manifest_cfg(name, cfg, old_sha256):
    """One cfg as a manifest lists it: timm's to_dict() plus a kept sha256."""
    values = cfg.to_dict()
    dropped = sorted(k for k, v in values.items() if k not in FIELDS and k not in NOT_CARRIED and v is not None)
    if dropped:
        print(f"warning: {name}: timm fields not carried: {', '.join(dropped)}", file=sys.stderr)
    if not isinstance(values.get("url", ""), str):
        sys.exit(f"{name}: url is {values['url']!r}, the manifest format takes one string")
    sources, sha256 = old_sha256.get(name, (None, None))
    if sha256 and sources == (values.get("url"), values.get("hf_hub_id")):
        values["sha256"] = sha256
    return OrderedDict(
        (field, list(values[field]) if isinstance(values[field], tuple) else values[field])
        for field in FIELDS if field in values
    )


def read_old_sha256(path):
    """{arch.tag: ((url, hf_hub_id), sha256)} from an existing manifest."""
    if not os.path.exists(path):
        return {}
    old = {}
    for cfg in json.load(open(path))["cfgs"]:
        if cfg.get("sha256"):
            name = cfg["architecture"] + ("." + cfg["tag"] if cfg.get("tag") else "")
            old[name] = ((cfg.get("url"), cfg.get("hf_hub_id")), cfg["sha256"])
    return old


def write_manifests(architectures):
    import timm
    from timm.models import _registry

    from pinned import require_pinned
    require_pinned("timm")

    by_family = OrderedDict()
    for our_family, arch in architectures:
        if arch not in _registry._model_entrypoints:
            sys.exit(f"timm {timm.__version__} has no architecture {arch}")
        family = _registry._model_to_module[arch]
        if our_family and our_family != family:
            print(f"warning: {arch} is in family {our_family} here, in {family} in timm", file=sys.stderr)
        by_family.setdefault(family, []).append(arch)

    for family, archs in by_family.items():
        path = os.path.join(MANIFESTS, f"{family}.json")
        old_sha256 = read_old_sha256(path)
        cfgs = [
            manifest_cfg(name, _registry._model_pretrained_cfgs[name], old_sha256)
            for arch in archs
            for name in _registry._model_with_tags.get(arch, [])
        ]
        manifest = OrderedDict(
            format_version=FORMAT_VERSION,
            generated_by=f"tools/make_manifests.py from timm {timm.__version__}",
            cfgs=cfgs,
        )
        os.makedirs(MANIFESTS, exist_ok=True)
        with open(path, "w") as f:
            f.write(to_json(manifest) + "\n")
        print(f"wrote {os.path.relpath(path, ROOT)}: {len(cfgs)} cfgs of {len(archs)} architectures")


def embed_manifests():
    names = sorted(n for n in os.listdir(MANIFESTS) if n.endswith(".json"))
    entries = []
    for name in names:
        text = open(os.path.join(MANIFESTS, name)).read()
        hashes = "#"
        while '"' + hashes in text:  # a raw string's delimiter must not occur in it
            hashes += "#"
        entries.append(f'        ("{name}", {hashes}"""\n{text}"""{hashes}),\n')
    swift = (
        "// Generated by tools/make_manifests.py from manifests/*.json; edit those and run\n"
        "// `/usr/bin/python3 tools/make_manifests.py --embed-only`. Why embedded: see that script.\n\n"
        "enum BuiltinManifests {\n"
        "    /// (file name, JSON text) of every manifest in manifests/, by file name.\n"
        "    static let files: [(name: String, json: String)] = [\n"
        + "".join(entries)
        + "    ]\n}\n"
    )
    with open(EMBEDDED_SWIFT, "w") as f:
        f.write(swift)
    print(f"wrote {os.path.relpath(EMBEDDED_SWIFT, ROOT)}: {', '.join(names)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("architectures", nargs="*", help="default: every name in Families.swift")
    parser.add_argument("--embed-only", action="store_true", help="only re-embed manifests/*.json")
    args = parser.parse_args()
    if not args.embed_only:
        if args.architectures:
            architectures = [(None, a) for a in args.architectures]
        else:
            architectures = [(f, a) for f, names in registered_architectures().items() for a in names]
        write_manifests(architectures)
    embed_manifests()


if __name__ == "__main__":
    main()
