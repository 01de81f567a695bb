#!/usr/bin/env bash
# Builds zoo in release mode (installing its C libraries when missing) and runs it:
#   tools/zoo.sh list "*resnet*"
# or installs it: the binary (the embedded zoo and the manifests are compiled in) and its shell
# completions for bash, zsh and fish under PREFIX:
#   tools/zoo.sh install PREFIX        (e.g. tools/zoo.sh install ~/.local, or /usr/local as root)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
# A statically linked Swift runtime halves start-up time (zoo list answers in ~20 ms instead of ~40)
# and lets the installed binary run where no Swift toolchain is.
swift build -c release --static-swift-stdlib --product zoo >&2
if [[ "${1:-}" == "install" ]]; then
    prefix="${2:?usage: tools/zoo.sh install PREFIX}"
    install -d "$prefix/bin" "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
        "$prefix/share/fish/vendor_completions.d"
    install -m 755 .build/release/zoo "$prefix/bin/zoo"
    "$prefix/bin/zoo" --generate-completion-script bash >"$prefix/share/bash-completion/completions/zoo"
    "$prefix/bin/zoo" --generate-completion-script zsh >"$prefix/share/zsh/site-functions/_zoo"
    "$prefix/bin/zoo" --generate-completion-script fish >"$prefix/share/fish/vendor_completions.d/zoo.fish"
    echo "installed $prefix/bin/zoo ($("$prefix/bin/zoo" --version | head -1)) and its completions" >&2
    exit 0
fi
# OpenBLAS workers otherwise spin ~0.1 s after each GEMM, taking the cores our loops between GEMMs use.
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
exec .build/release/zoo "$@"
