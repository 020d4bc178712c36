"""One row of bench/results/semantic-train.tsv from ir_eval's stdout and
qa_eval's TSV (header written by measure.sh when the file is new)."""
import sys

IR = ["cranfield", "cacm", "cisi", "medline", "adi"]
HEADER = ("step\tdev lex R@10\tdev hyb R@10\tdev hyb/lex R@10\tdev lex MRR\tdev hyb MRR\t"
          "test lex R@10\ttest hyb R@10\t"
          + "\t".join(f"{c} lex/hyb nDCG" for c in IR + ["headings"])
          + "\tIR mean hyb/lex\tIR min hyb/lex")


def main():
    step, ir_path, qa_path = sys.argv[1:4]
    ir = {}
    for line in open(ir_path):
        f = line.split()
        if f and f[0] in IR + ["headings"] and len(f) >= 9:
            ir[f[0]] = (float(f[2]), float(f[4]))
    qa = {}
    for line in open(qa_path):
        f = line.rstrip("\n").split("\t")
        if len(f) == 6 and f[0] in ("dev", "test"):
            qa[(f[0], f[1])] = (float(f[4]), float(f[5]))
    missing = [c for c in IR + ["headings"] if c not in ir]
    if missing or ("dev", "hybrid") not in qa:
        sys.exit(f"incomplete figures: missing {missing or 'doc-QA rows'}")
    ratios = [ir[c][1] / ir[c][0] for c in IR]
    row = [step,
           *(f"{x:.3f}" for x in (qa[("dev", "lexical")][0], qa[("dev", "hybrid")][0],
                                  qa[("dev", "hybrid")][0] / qa[("dev", "lexical")][0],
                                  qa[("dev", "lexical")][1], qa[("dev", "hybrid")][1],
                                  qa[("test", "lexical")][0], qa[("test", "hybrid")][0])),
           *(f"{ir[c][0]:.3f}/{ir[c][1]:.3f}" for c in IR + ["headings"]),
           f"{sum(ratios) / len(ratios):.3f}", f"{min(ratios):.3f}"]
    if "--header" in sys.argv:
        print(HEADER)
    print("\t".join(row))


if __name__ == "__main__":
    main()
