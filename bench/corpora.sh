# Sourced by the benchmarks that build the shared corpora. The vendors' own
# trees are not in McDewey's layout, so their versions are linked in; the
# build follows those links only under `[content] symlink_roots`, which
# `corpora_config` writes.

# link_powershell CONTENT: PowerShell reference, 5 versions.
link_powershell() {
  mkdir -p "$1/powershell"
  for v in 5.1 7.4 7.5 7.6 7.7; do
    ln -s "$shared/corpora/markdown/powershell/reference/$v" "$1/powershell/$v"
  done
}

# link_etcd CONTENT: etcd, every version.
link_etcd() {
  mkdir -p "$1/etcd"
  for v in "$shared"/corpora/markdown/etcd/content/en/docs/v*; do
    ln -s "$v" "$1/etcd/$(basename "$v")"
  done
}

# corpora_config FILE: appends the section that lets the build follow the
# links into the shared corpora.
corpora_config() {
  printf '[content]\nsymlink_roots = ["%s"]\n' "$shared/corpora" >> "$1"
}

# require_documents SITE: fails when a build wrote no document, which is what
# a build that cannot follow the links produces.
require_documents() {
  local n
  n=$(find "$1" -name document.json 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ]; then
    echo "error: the build of $1 produced 0 documents (are the corpora linked and allowed by symlink_roots?)" >&2
    exit 1
  fi
}
