"""Print the distillation corpus, one passage per line.

    python3 corpus.py WORDNET_DIR MARKDOWN_DIR > corpus.txt

WORDNET_DIR: WordNet 3.0's dict directory (data.noun, data.verb, data.adj,
data.adv); each synset becomes "word, word: gloss". MARKDOWN_DIR: holds
nodejs/ and prometheus/; every prose paragraph of six words or more
(code blocks, front matter, tables and HTML left out; links reduced to
their text) becomes a passage.
"""
import os
import re
import sys


def glosses(wordnet):
    for pos in ("noun", "verb", "adj", "adv"):
        for line in open(os.path.join(wordnet, "data." + pos), encoding="latin-1"):
            if line.startswith("  "):  # licence header
                continue
            head, _, gloss = line.partition(" | ")
            f = head.split()
            words = [re.sub(r"\(.*\)$", "", f[4 + 2 * i].replace("_", " ")) for i in range(int(f[3], 16))]
            yield ", ".join(words) + ": " + gloss.strip()


def paragraphs(markdown):
    for product in ("nodejs", "prometheus"):
        for root, dirs, files in os.walk(os.path.join(markdown, product)):
            dirs.sort()  # a stable order whatever the file system
            for name in sorted(files):
                if not name.endswith(".md"):
                    continue
                text = open(os.path.join(root, name), encoding="utf-8", errors="replace").read()
                text = re.sub(r"```.*?```", "", text, flags=re.S)
                text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)
                for para in re.split(r"\n\s*\n", text):
                    p = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(para.split()))
                    if len(p.split()) >= 6 and not p.startswith(("<", "|")):
                        yield p


def main():
    out = sys.stdout
    for p in glosses(sys.argv[1]):
        out.write(p + "\n")
    for p in paragraphs(sys.argv[2]):
        out.write(p + "\n")


if __name__ == "__main__":
    main()
