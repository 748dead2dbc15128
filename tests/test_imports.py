"""The package's layers: modules import each other without a cycle, and each layer
imports only the layers beneath it (records → report → formats; intake and the
workspace beside them; the pipeline and the CLI on top)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"

# What each layer may import besides itself and the shared modules at the top
# (errors, i18n, bulk, forked, josa). The pipeline (build) and the CLI may import anything.
ALLOWED = {
    "records": set(),
    "report": {"records"},
    "workspace": {"records"},
    "formats": {"records", "report", "workspace"},
    "intake": {"records", "report", "workspace"},
}
SHARED = {
    "reportgen",
    "reportgen.errors",
    "reportgen.i18n",
    "reportgen.bulk",
    "reportgen.forked",
    "reportgen.josa",
}
# The interface: the CLI and its Korean for click (clicktr) sit on top with the pipeline.


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("reportgen"):
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("reportgen"))
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            # A package's __init__ is imported with its modules; not an edge of its own.
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else None


def test_no_module_imports_another_in_a_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_each_layer_imports_only_the_layers_beneath_it() -> None:
    wrong = []
    for module, imported in sorted(_graph().items()):
        layer = _layer(module)
        if layer is None:
            continue  # the pipeline, the CLI and the shared modules
        for target in sorted(imported):
            other = _layer(target)
            if target in SHARED or other == layer:
                continue
            if other is None or other not in ALLOWED[layer]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_every_module_lives_in_a_layer_or_is_one_of_the_top() -> None:
    top = {
        "reportgen.cli",
        "reportgen.clicktr",
        "reportgen.entry",
        "reportgen.build",
        "reportgen.termsite",
        "reportgen.__main__",
    } | SHARED
    loose = [m for m in _modules() if _layer(m) is None and m not in top]
    assert not loose, f"modules outside the layers: {loose}"
