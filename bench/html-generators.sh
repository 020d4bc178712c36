#!/usr/bin/env bash
# Import fidelity per HTML generator (bench/html_generators.py says what is
# counted). Renders the sample library in content/ with real generators:
# Sphinx with six themes (alabaster, furo, Read the Docs, pydata, book) and
# MyST, MkDocs with three (mkdocs, readthedocs, Material), VitePress,
# Docusaurus, GNU
# texinfo (split per node), Asciidoctor and pandoc (both from pandoc's
# conversion of the Markdown), then imports each output with `mcdewey import
# html` and compares it with the source. Installs what it needs where it can
# (pip into a venv, npm, apt for texinfo/pandoc/asciidoctor); a generator
# that cannot be installed is left out and named. Writes
# bench/results/html-generators.md. Not part of CI: it needs the network.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="${HTMLGEN_WORK:-$(mktemp -d)}"
mkdir -p "$work"
cargo build --release -q -p mcdewey || exit 1
bin="$root/target/release/mcdewey"
skipped=()

# One flat folder of the sample library's documents, named by their path,
# without McDewey's front matter (TOML or YAML), which generators would
# print as text or read as their own.
src="$work/src"
rm -rf "$src" && mkdir -p "$src"
python3 - content "$src" <<'PY'
import os, re, sys
content, src = sys.argv[1:]
front = re.compile(r"(?s)\A(?:---|\+\+\+)\n.*?\n(?:---|\+\+\+)\n")
for d, _, files in os.walk(content):
    for f in files:
        if f.endswith(".md"):
            rel = os.path.relpath(os.path.join(d, f), content)
            text = front.sub("", open(os.path.join(d, f)).read())
            open(os.path.join(src, rel.replace("/", "-")), "w").write(text)
PY

out="$work/out"
rm -rf "$out" && mkdir -p "$out"
venv="$work/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q sphinx furo sphinx-rtd-theme pydata-sphinx-theme sphinx-book-theme \
  myst-parser mkdocs mkdocs-material >/dev/null 2>&1 || skipped+=("pip packages")

if [ -x "$venv/bin/sphinx-build" ]; then
  sphinx_src="$work/sphinx-src"
  rm -rf "$sphinx_src" && cp -r "$src" "$sphinx_src"
  {
    printf '# Library\n\n```{toctree}\n:maxdepth: 2\n\n'
    (cd "$src" && ls *.md | sed 's/\.md$//')
    printf '```\n'
  } > "$sphinx_src/index.md"
  cat > "$sphinx_src/conf.py" <<'PY'
import os
project = "Sample library"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
html_theme = os.environ["THEME"]
suppress_warnings = ["myst.header", "toc.not_included", "misc.highlighting_failure"]
PY
  for t in alabaster furo sphinx_rtd_theme pydata_sphinx_theme sphinx_book_theme; do
    THEME=$t "$venv/bin/sphinx-build" -q -b html "$sphinx_src" "$out/sphinx-$t" >/dev/null 2>&1 \
      || skipped+=("sphinx-$t")
  done
fi
if [ -x "$venv/bin/mkdocs" ]; then
  for t in mkdocs readthedocs material; do
    printf 'site_name: Sample library\ndocs_dir: %s\nsite_dir: %s\ntheme:\n  name: %s\nmarkdown_extensions: [tables, fenced_code, admonition]\n' \
      "$src" "$out/mkdocs-$t" "$t" > "$work/mkdocs-$t.yml"
    "$venv/bin/mkdocs" build -q -f "$work/mkdocs-$t.yml" >/dev/null 2>&1 || skipped+=("mkdocs-$t")
  done
fi

vp="$work/vitepress"
mkdir -p "$vp"
if (cd "$vp" && [ -d node_modules/vitepress ] || { npm init -y >/dev/null && npm install -D vitepress >/dev/null 2>&1; }); then
  rm -rf "$vp/docs" && mkdir -p "$vp/docs/.vitepress" && cp "$src"/*.md "$vp/docs/"
  printf -- '# Library\n\nThe sample library.\n' > "$vp/docs/index.md"
  python3 - "$vp/docs" <<'PY'
import json, os, sys
docs = sys.argv[1]
items = [{"text": f[:-3], "link": "/" + f[:-3]} for f in sorted(os.listdir(docs)) if f.endswith(".md") and f != "index.md"]
cfg = {"title": "Sample library", "ignoreDeadLinks": True,
       "themeConfig": {"sidebar": [{"text": "Documents", "items": items}], "outline": [2, 3],
                       "editLink": {"pattern": "https://example.org/edit/:path", "text": "Edit this page"}}}
open(os.path.join(docs, ".vitepress", "config.mjs"), "w").write("export default " + json.dumps(cfg) + "\n")
PY
  (cd "$vp" && npx vitepress build docs >/dev/null 2>&1) && cp -r "$vp/docs/.vitepress/dist" "$out/vitepress" \
    || skipped+=("vitepress")
else
  skipped+=("vitepress")
fi

# Docusaurus (the classic template): its docs plugin at the site's root,
# no blog or pages, and `.md` files read as CommonMark rather than MDX, as
# a site converted from Markdown would set it.
du="$work/docusaurus"
mkdir -p "$du"
if [ -d "$du/site/node_modules/@docusaurus/core" ] \
  || (cd "$du" && npx --yes create-docusaurus@3 site classic --javascript >/dev/null 2>&1); then
  rm -rf "$du/site/docs" "$du/site/blog" "$du/site/build" && mkdir -p "$du/site/docs" && cp "$src"/*.md "$du/site/docs/"
  printf -- '# Library\n\nThe sample library.\n' > "$du/site/docs/index.md"
  cat > "$du/site/docusaurus.config.js" <<'JS'
export default {
  title: "Sample library",
  url: "https://example.org",
  baseUrl: "/",
  onBrokenLinks: "warn",
  markdown: { format: "detect" },
  presets: [["classic", {
    docs: { routeBasePath: "/", editUrl: "https://example.org/edit/" },
    blog: false,
    pages: false,
  }]],
  themeConfig: { navbar: { title: "Sample library" }, footer: { copyright: "Copyright Example" } },
};
JS
  rm -f "$du/site/sidebars.js"
  (cd "$du/site" && npm run build >/dev/null 2>&1) && cp -r "$du/site/build" "$out/docusaurus" \
    || skipped+=("docusaurus")
else
  skipped+=("docusaurus")
fi

if ! command -v makeinfo >/dev/null || ! command -v pandoc >/dev/null || ! command -v asciidoctor >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q texinfo pandoc asciidoctor >/dev/null 2>&1 || true
fi
if command -v pandoc >/dev/null; then
  mkdir -p "$work/texi" "$work/adoc" "$out/texinfo" "$out/asciidoctor" "$out/pandoc"
  for f in "$src"/*.md; do
    b="$(basename "$f" .md)"
    pandoc -f markdown -t html5 -s --toc "$f" -o "$out/pandoc/$b.html" 2>/dev/null
    if command -v makeinfo >/dev/null; then
      pandoc -f markdown -t texinfo -s "$f" -o "$work/texi/$b.texi" 2>/dev/null
      (cd "$work/texi" && makeinfo --html --force --no-warn -o "$out/texinfo/$b" "$b.texi" >/dev/null 2>&1)
    fi
    if command -v asciidoctor >/dev/null; then
      pandoc -f markdown -t asciidoc -s "$f" -o "$work/adoc/$b.adoc" 2>/dev/null
      asciidoctor -q -o "$out/asciidoctor/$b.html" "$work/adoc/$b.adoc" 2>/dev/null
    fi
  done
  command -v makeinfo >/dev/null || { rm -rf "$out/texinfo"; skipped+=("texinfo"); }
  command -v asciidoctor >/dev/null || { rm -rf "$out/asciidoctor"; skipped+=("asciidoctor"); }
else
  skipped+=("pandoc, texinfo, asciidoctor")
fi

imp="$work/imported"
rm -rf "$imp" && mkdir -p "$imp"
summary=""
for d in "$out"/*/; do
  g="$(basename "$d")"
  line="$("$bin" import html "$d" --into "$imp/$g" 2>&1 | tail -1)"
  summary+="- $g: ${line#*-> }"$'\n'
done
report=bench/results/html-generators.md
{
  echo "# Import fidelity per HTML generator"
  echo
  echo "\`bash bench/html-generators.sh\`, $(date -u +%Y-%m-%d), $(git rev-parse --short HEAD), importer $(grep -o '"+[0-9]*"' import/src/lib.rs | tr -d '"')."
  echo "The sample library (content/, $(ls "$src" | wc -l) documents) rendered by each generator and imported back."
  echo
  python3 bench/html_generators.py "$src" "$imp"/*/
  echo
  echo "Import summaries:"
  echo
  printf '%s' "$summary"
  [ ${#skipped[@]} -eq 0 ] || { echo; echo "Not run (could not install or build): ${skipped[*]}"; }
} > "$report"
cat "$report"
