#!/usr/bin/env bash
# Install segur-kg with its test extra in a virtual environment (.venv). Only Python 3.11 or
# newer is needed (PYTHON=/path/to/python picks one). The system tools that some tests use are
# installed with apt when this script can (as root, or with sudo that needs no password);
# otherwise it says which are missing and which tests need them, and goes on: the command
# itself needs none of them.
#   bash scripts/install.sh          install
#   bash scripts/install.sh --check  only say which system tools are missing
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "install: segur-kg needs Python 3.11 or newer; install it, or name it with PYTHON=/path/to/python3.11" >&2
    exit 1
fi

# tool|Debian package|Homebrew formula|what needs it
tools=(
    "rapper|raptor2-utils|raptor|tests/test_export_parsers.py (an independent parser reads every export)"
    "roqet|rasqal-utils|rasqal|tests/test_server_protocol.py (a SPARQL client not written in Python)"
    "dot|graphviz|graphviz|the diagrams of 'segur-kg docs' and tests/test_docs.py"
    "chromium|chromium|--cask chromium|tests/test_docs.py and tests/test_server_pages.py (pages opened in a browser)"
)
missing() {
    for entry in "${tools[@]}"; do
        command -v "${entry%%|*}" >/dev/null 2>&1 || echo "$entry"
    done
    # libseccomp cuts query processes off from the network (querying/confinement.py), on Linux.
    if [ "$(uname -s)" = Linux ] && ! ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2'; then
        echo "libseccomp|libseccomp2|-|query processes without network access (querying/confinement.py) and tests/test_query_confinement.py"
    fi
}

can_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" -eq 0 ] && return 0
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

if [ "${1:-}" != "--check" ] && [ -n "$(missing)" ] && can_apt; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    packages=$(missing | cut -d'|' -f2 | tr '\n' ' ')
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null \
        || echo "install: apt-get could not install: $packages" >&2
fi

left=$(missing)
if [ -n "$left" ]; then
    echo "install: these system tools are missing; segur-kg works without them, but the tests named fail:" >&2
    while IFS='|' read -r tool debian brew needed; do
        echo "  - $tool (Debian/Ubuntu: apt install $debian; macOS: brew install $brew): $needed" >&2
    done <<< "$left"
fi
[ "${1:-}" = "--check" ] && exit 0

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv || {
        echo "install: '$python -m venv' failed; install Python's venv module (Debian/Ubuntu: python3-venv)" >&2
        exit 1
    }
fi
.venv/bin/python -m pip install --quiet -e '.[test]'
# An editable install leaves the package's modules uncompiled; compile them once, as pip does
# for a regular install, so that a command does not compile them at each start (Python does
# not keep its own compilations where PYTHONDONTWRITEBYTECODE is set).
.venv/bin/python -m compileall -q src/segur_kg
