"""Imports flow one way: a kerasgen module imports only modules of its own tier or below.

Every `import` and `from ... import` of every kerasgen/**/*.py counts, those
inside functions too (a lazy import is still a dependency). Pure `ast`: no
module is imported, no model built.
"""

import ast
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = REPO / "kerasgen"

# The first name under kerasgen/ -> its tier. A module may import its own
# tier and the tiers below. "" is the package root (kerasgen/__init__.py,
# kerasgen/__main__.py), which gathers everything: `import kerasgen` from
# inside the package is an import from the top.
TIERS = {
    # checks: the input checks every path uses (numpy and keras only, nothing of kerasgen).
    "backend": 0, "version": 0, "checks": 0,
    "layers": 1, "losses": 1, "data": 1, "utils": 1, "saving": 1,
    # protocols: the capability mixins (DensityModel, Sampler, ...) the model classes inherit.
    "training": 2, "protocols": 2,
    "models": 3,
    # metrics sits above the models: train_classifier builds a models.Classifier
    # and saves it as a preset.
    "evaluation": 4, "presets": 4, "callbacks": 4, "recipes": 4, "metrics": 4, "verify": 4, "pictures": 4,
    "cli": 5,
    "": 6, "__main__": 6,
}

# (importing file, imported module): upward imports tolerated for now, each
# with its reason; none is left (test_allowed_upward_imports_still_exist
# fails on a stale entry).
ALLOWED = set()


def module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def tier_of(module):
    head = module.split(".")[1] if "." in module else ""
    if head not in TIERS:
        raise AssertionError(f"{module}: kerasgen.{head} has no tier in TIERS; add it where its imports put it.")
    return TIERS[head]


def is_submodule(module):
    path = REPO.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(source, package):
    """(line, kerasgen module) for every import in the code `source` of a module in `package`, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x` in package a.b is a.b.x
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from kerasgen import losses` imports kerasgen.losses;
                # `from kerasgen import __version__` imports the root.
                candidate = f"{base}.{alias.name}"
                found.append((node.lineno, candidate if is_submodule(candidate) else base))
    return [(line, name) for line, name in found if name == "kerasgen" or name.startswith("kerasgen.")]


def upward_imports():
    """(file, line, imported module, message) for each import of a higher tier."""
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for line, target in imported_modules(path.read_text(encoding="utf-8"), package):
            if tier_of(target) > tier_of(source):
                file = path.relative_to(REPO).as_posix()
                result.append((file, line, target,
                               f"{file}:{line} imports {target} (tier {tier_of(target)}) from tier {tier_of(source)}"))
    return result


def test_imports_flow_one_way():
    bad = [message for file, _, target, message in upward_imports() if (file, target) not in ALLOWED]
    assert not bad, "upward imports (see TIERS):\n" + "\n".join(bad)


def test_allowed_upward_imports_still_exist():
    found = {(file, target) for file, _, target, _ in upward_imports()}
    stale = sorted(ALLOWED - found)
    assert not stale, f"these upward imports are gone; remove them from ALLOWED: {stale}"


def test_the_scan_sees_every_kind_of_import():
    code = ("import kerasgen.layers\nfrom kerasgen import losses, __version__\nfrom . import groups\n"
            "def f():\n    from kerasgen.models import VAE\n")
    found = sorted(name for _, name in imported_modules(code, "kerasgen.training"))
    assert found == ["kerasgen", "kerasgen.layers", "kerasgen.losses", "kerasgen.models", "kerasgen.training.groups"]
    assert tier_of("kerasgen.models") > tier_of("kerasgen.training") and tier_of("kerasgen") == max(TIERS.values())
