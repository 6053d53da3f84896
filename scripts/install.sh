#!/usr/bin/env bash
# Install everything segur-kg and its tests use: the system tools (with apt, when
# missing) and the package with its test extra in a virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

# rapper (raptor2) and PyLD are the independent parsers the export tests compare with;
# dot (Graphviz) lays out the diagrams of `segur-kg docs`; Chromium opens the generated
# pages and the server's pages in tests; roqet (rasqal) is a SPARQL client not written
# in Python, used against `segur-kg serve`.
need=()
command -v rapper >/dev/null || need+=(raptor2-utils)
command -v dot >/dev/null || need+=(graphviz)
command -v chromium >/dev/null || need+=(chromium)
command -v roqet >/dev/null || need+=(rasqal-utils)
# libseccomp cuts query processes off from the network (segur_kg/confinement.py).
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || need+=(libseccomp2)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet -e '.[test]'
