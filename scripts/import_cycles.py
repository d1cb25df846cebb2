"""Fails when modules of the project import each other in a circle (directly or through others).

import-linter's layers contract keeps the packages' direction; this keeps the modules inside a
package free of circles too, which no contract type checks. Imports under ``if TYPE_CHECKING`` count
as well: a circle of types is still a circle of meaning."""

from __future__ import annotations

import sys

import grimp

PACKAGES = ("web", "schema", "cms", "storage", "authz", "demo", "devservers")


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def main() -> int:
    graph = grimp.build_graph(*PACKAGES)
    found = circles(graph)
    for group in found:
        print("import circle:", " ↔ ".join(group))
    if found:
        return 1
    print("no import circles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
