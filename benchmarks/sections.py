"""Writes one generated section of BENCHMARKS.md between its markers, leaving the rest of the file as it is."""

import os


def write_section(path, begin, end, section):
    """Replaces the text from `begin` to `end` in `path` with `section` (which carries both markers).

    Appends the section if the markers are not there; creates the file if it does not exist.
    """
    text = open(path).read() if os.path.isfile(path) else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def write_report(results_path, path, begin, end, section, what):
    """Writes the section that `section(result)` makes from the JSON at `results_path` into `path`."""
    import json

    with open(results_path) as f:
        result = json.load(f)
    write_section(path, begin, end, section(result))
    print(f"wrote the {what} section of {path}")


def write_or_say(args, default_results, begin, end, section, what):
    """After a run (or for --report): writes the section from `args.out` into `args.benchmarks_md` when the run
    wrote the repository's own results (`default_results`) or --report asks; after a trial run to another
    file it leaves BENCHMARKS.md alone and says how to write it."""
    import os

    if os.path.abspath(args.out) == os.path.abspath(default_results) or args.report:
        write_report(args.out, args.benchmarks_md, begin, end, section, what)
    else:
        print(f"results in {args.out}; BENCHMARKS.md not written (--report --out {args.out} writes it)")
