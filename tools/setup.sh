#!/usr/bin/env bash
# Installs what zoo needs on Debian, only what is missing. Sourced by tools/zoo.sh and tools/test.sh.
#   tools/setup.sh build   C libraries for building zoo
#   tools/setup.sh test    the above, plus real PyTorch/timm/safetensors and nginx for the tests
set -euo pipefail

need_debs() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        echo "zoo setup: installing ${missing[*]}" >&2
        local sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

need_python() {
    # timm and safetensors from PyPI next to Debian's torch; --no-deps keeps Debian's torch in charge.
    local missing=()
    for module in "$@"; do
        /usr/bin/python3 -c "import $module" 2>/dev/null || missing+=("$module")
    done
    if ((${#missing[@]})); then
        echo "zoo setup: pip installing ${missing[*]}" >&2
        /usr/bin/python3 -m pip install -q --no-deps --break-system-packages "${missing[@]}"
    fi
}

mode="${1:-build}"
need_debs libopenblas-dev libarchive-dev zlib1g-dev libcurl4-openssl-dev libssl-dev
if [[ "$mode" == "test" ]]; then
    need_debs python3-torch python3-torchvision python3-pip python3-yaml nginx-light
    need_python timm safetensors
fi
