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
