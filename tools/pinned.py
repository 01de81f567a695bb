"""The PyPI versions tools/setup.sh pins (`need_python timm==X safetensors==Y`), and a check that
the installed ones are those: fixtures and manifests made with another timm could silently expect
other names, cfgs or numbers than the tests' pinned references.

    from pinned import require_pinned
    require_pinned("timm", "safetensors")   # exits naming the difference
"""
import os
import re
import sys

SETUP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "setup.sh")


def pinned_versions():
    """{module: version} from tools/setup.sh's need_python line."""
    with open(SETUP) as f:
        text = f.read()
    calls = re.findall(r"^\s*need_python\s+(.+)$", text, re.M)
    pins = dict(re.findall(r"\b([A-Za-z_][\w-]*)==([\w.+-]+)", " ".join(calls)))
    if not pins:
        sys.exit(f"no MODULE==VERSION pins found in {SETUP}")
    return pins


def require_pinned(*modules):
    """Exits unless each module's installed __version__ equals its pin in tools/setup.sh."""
    pins = pinned_versions()
    for module in modules:
        if module not in pins:
            sys.exit(f"{module} is not pinned in {SETUP}")
        installed = __import__(module).__version__
        if installed != pins[module]:
            sys.exit(f"{module} {installed} is installed but tools/setup.sh pins {pins[module]}: "
                     f"run `bash tools/setup.sh test` (or change the pin and remake every fixture and manifest)")
