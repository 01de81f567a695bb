"""What the parity fixture scripts share: their command line and the "already current" check."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pinned import require_pinned  # noqa: E402


def parse_arguments(doc, variants=None):
    """out_dir (default $ZOO_PARITY_DIR, else <repo>/.cache/parity), --force, and --only for variants."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?",
                        default=os.environ.get("ZOO_PARITY_DIR") or os.path.join(repo, ".cache", "parity"))
    parser.add_argument("--force", action="store_true", help="rebuild fixtures that are already current")
    if variants:
        parser.add_argument("--only", nargs="+", metavar="NAME", choices=variants, help="just these variants")
    args = parser.parse_args()
    require_pinned("timm", "safetensors")  # the versions the tests' references are made with
    os.makedirs(args.out_dir, exist_ok=True)
    return args


def is_current(json_path, version):
    """Whether the fixture's JSON exists and was written by this version of its script."""
    try:
        with open(json_path) as f:
            return json.load(f).get("fixture_version") == version
    except (OSError, ValueError):
        return False
