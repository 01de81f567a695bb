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
    # Each argument is MODULE==VERSION: the version the fixtures and manifests were made with.
    local missing=()
    for spec in "$@"; do
        local module="${spec%%==*}" version="${spec##*==}"
        /usr/bin/python3 -c "import $module, sys; sys.exit($module.__version__ != '$version')" 2>/dev/null \
            || missing+=("$spec")
    done
    if ((${#missing[@]})); then
        echo "zoo setup: pip installing ${missing[*]}" >&2
        /usr/bin/python3 -m pip install -q --no-deps --break-system-packages "${missing[@]}"
    fi
}

mode="${1:-build}"
# BLAS and oneDNN kernels, checkpoint zips, downloads, image decoders, plotting with a real font.
need_debs libopenblas-dev libdnnl-dev libopenmpi-dev openmpi-bin libarchive-dev zlib1g-dev libcurl4-openssl-dev libssl-dev \
    libjpeg62-turbo-dev libpng-dev libcairo2-dev fonts-dejavu-core libwebp-dev
# CRC-32 with carry-less multiply (the CDeflate module); found missing on a fresh bookworm root.
need_debs libdeflate-dev
# zstd for compressed checkpoints (zip method 93, `zoo convert --compress`).
need_debs libzstd-dev
# libstdc++.a: tools/zoo.sh links the Swift runtime statically (--static-swift-stdlib), and Foundation's
# ICU in it is C++; swift.org lists it for Debian 12, but a root without it fails only at that link.
need_debs libstdc++-12-dev
if [[ "$mode" == "test" ]]; then
    need_debs python3-torch python3-torchvision python3-pil python3-pip python3-yaml nginx-light
    need_python timm==1.0.31 safetensors==0.8.0
fi
