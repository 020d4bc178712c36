#!/bin/sh
# Download the Debian packages the training pairs come from, unpack them
# and mine the pairs.   mine.sh WORKDIR > pairs.jsonl
# Versions are those of Debian 12 (bookworm) when the shipped table was
# trained (see README.md); apt-get download fetches the current ones.
set -eu
work=$1
shared=${MCDEWEY_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/root"
cd "$work"
apt-get download manpages manpages-dev perl-doc apache2-doc ffmpeg-doc \
    apt bash binutils-common coreutils curl dpkg findutils gawk gdb git-lfs grep \
    iproute2 jq less lvm2 make-guile man-db nftables openssh-client openssl \
    procps rsync screen sed systemd tar tmux util-linux wget xz-utils zsh-common zstd >&2
for f in *.deb; do dpkg-deb -x "$f" root; done
html=$shared/corpora/html
doc=root/usr/share/doc
python3 "$here/mine.py" --man root \
    --html "$html/cmake/3.31" --html "$html/flask/3.1" --html "$html/postgresql/17" \
    --html "$doc/apache2-doc/manual/en" --html "$doc/ffmpeg/manual" --ict 1
