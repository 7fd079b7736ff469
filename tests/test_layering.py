"""The layering: data flows frontend -> ir -> integrators -> plan -> backends -> compiler ->
runtime, and no module imports a later stage. Every import is read with `ast`, lazy ones inside
functions included (and `__import__`/`importlib.import_module` of a literal name).

Shared low-level modules, which every stage may import because they import nothing of the
package but themselves: `_resources` (where the package's folders are: shipped data, cache),
`paths` (how a path is shown), `libm` (portable elementary functions), `rng` (the portable
random numbers), `utils` (small numeric helpers), `frontend.suggest` (the one did-you-mean
helper) and the package's `__version__`.

Above the runtime sit the tools (`catalogue`, `describe`, `analysis`, `viz`, `datasets`,
`forward`, `commands`, `typing`) and on top the command line (`cli`) and the package itself
(`brainmass_dsl`, the public API); nothing imports the command line. The runtime sees the
frontend only through its public face: the `brainmass_dsl.frontend` package, its catalogue
index (`frontend.library`) and its unit registry (`frontend.units`).
"""
import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

import brainmass_dsl

PACKAGE = Path(brainmass_dsl.__file__).parent
ROOT = "brainmass_dsl"

#: the pipeline, in the order data flows through it
STAGES = ("frontend", "ir", "integrators", "plan", "backends", "compiler", "runtime")
SHARED = ("_resources", "paths", "libm", "rng", "utils", "jitcache", "__version__")
SHARED_MODULES = ("brainmass_dsl.frontend.suggest",)  # shared, though it lives in a stage
TOOLS = ("catalogue", "describe", "analysis", "viz", "datasets", "forward", "observation",
         "commands", "fitting", "typing")
TOP = ("cli", "__main__")
#: what the runtime may import of the frontend
FRONTEND_FACE = ("brainmass_dsl.frontend", "brainmass_dsl.frontend.library",
                 "brainmass_dsl.frontend.units")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
           if "_data" not in p.relative_to(PACKAGE).parts}


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports_of(source: str, name: str, is_package: bool = False) -> Iterator[Tuple[int, str]]:
    """(line, imported module) for every import of `source` (module `name`), lazy ones
    included; `from P import x` names P.x when that is a module of the package, else P (or
    P.__version__)."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                yield node.lineno, (full if full in MODULES or alias.name == "__version__"
                                    else target)
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute)
                       and node.func.attr == "import_module"))):
            yield node.lineno, node.args[0].value


def _own_imports(name: str) -> List[Tuple[int, str]]:
    path = MODULES[name]
    return [(line, target) for line, target in
            imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
            if target == ROOT or target.startswith(ROOT + ".")]


def layer(module: str) -> str:
    """The layer of a module of the package: a stage, 'shared', 'tools' or 'top'."""
    if module == ROOT:
        return "top"
    if module in SHARED_MODULES:
        return "shared"
    head = module.split(".")[1]
    if head in STAGES:
        return head
    if head in SHARED:
        return "shared"
    if head in TOOLS:
        return "tools"
    if head in TOP:
        return "top"
    raise KeyError(f"{module}: no layer; add it to STAGES, SHARED, TOOLS or TOP in "
                   "tests/test_layering.py")


RANK = {**{s: i for i, s in enumerate(STAGES)}, "shared": -1, "tools": len(STAGES),
        "top": len(STAGES) + 1}


def _violations(names, allowed) -> List[str]:
    return [f"{MODULES[n].relative_to(PACKAGE.parent)}:{line}: {n} imports {target}"
            for n in names for line, target in _own_imports(n) if not allowed(n, target)]


def _in(*layers) -> List[str]:
    return [n for n in MODULES if n != ROOT and layer(n) in layers]


# ---------------------------------------------------------------------------- the scanner
def test_the_scanner_reads_lazy_relative_and_dynamic_imports():
    source = ("from . import ast\nfrom ..backends.cache import cache_dir\n"
              "def f():\n    from .. import cli, __version__\n"
              "    return __import__('brainmass_dsl.runtime.model')\n")
    found = [t for _, t in imports_of(source, "brainmass_dsl.frontend.parser")]
    assert found == ["brainmass_dsl.frontend.ast", "brainmass_dsl.backends.cache",
                     "brainmass_dsl.cli", "brainmass_dsl.__version__",
                     "brainmass_dsl.runtime.model"]


def test_every_module_has_a_layer():
    assert len(MODULES) > 50
    for name in MODULES:
        layer(name)


# ---------------------------------------------------------------------------- the rules
@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_a_later_one(stage):
    """frontend, ir, integrators, the kernel plan, backends, the compiler and the runtime
    import only their own or earlier stages and the shared modules (never the tools or the
    command line)."""
    bad = _violations(_in(stage), lambda n, t: RANK[layer(t)] <= RANK[stage])
    assert not bad, "imports from a later stage:\n" + "\n".join(bad)


def test_shared_modules_import_only_shared_modules():
    bad = _violations(_in("shared"), lambda n, t: layer(t) == "shared")
    assert not bad, "\n".join(bad)


def test_the_runtime_sees_the_frontend_through_its_public_face():
    bad = _violations(_in("runtime"), lambda n, t: layer(t) != "frontend" or t in FRONTEND_FACE)
    assert not bad, "\n".join(bad)


def test_no_later_stage_imports_the_frontend_checks():
    """The semantic rules are the frontend's own business; later stages use the symbol table
    (`frontend.symbols`)."""
    bad = _violations(_in(*STAGES[1:]),
                      lambda n, t: not t.startswith("brainmass_dsl.frontend.checks"))
    assert not bad, "\n".join(bad)


def test_nothing_imports_the_command_line():
    bad = _violations([n for n in MODULES if n != "brainmass_dsl.cli"],
                      lambda n, t: t != "brainmass_dsl.cli")
    assert not bad, "\n".join(bad)


def test_no_private_name_crosses_a_package():
    """`from M import _name` only from a module M of the importer's own package (e.g. never
    `ir.lower._Lowerer` from the compiler, nor the CLI's `_out` from the commands)."""
    bad = []
    for name, path in MODULES.items():
        package = _package_of(name, path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            for line, target in imports_of(ast.unparse(node), name, path.name == "__init__.py"):
                if target not in MODULES or target == ROOT:
                    continue
                owner = _package_of(target, MODULES[target])
                private = [a.name for a in node.names
                           if a.name.startswith("_") and not a.name.startswith("__")
                           and f"{target}.{a.name}" not in MODULES]
                if private and owner != package:
                    bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {name} "
                               f"imports {', '.join(private)} from {target}")
    assert not bad, "\n".join(sorted(set(bad)))
