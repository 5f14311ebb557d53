#!/usr/bin/env python3
"""The lib units form layers: no unit calls (directly or round about) a unit
that calls it back.  A circle means neither side can be read, tested or
changed alone, and it is how "helpers" end up in the file that dispatches
to their callers.

Reads the symbols of the built static libraries with nm: for each object
file, the global symbols it defines and those it needs.  An edge A -> B is
"A needs a symbol B defines".  Prints every unit's edges as TAP comments,
then one test point per check: no circle among the units.

    check-layers.py LIB.a [LIB.a ...]

Exit status 0 when there is no circle, 1 with the circles named, 77 (skip)
when nm is missing."""
import os
import shutil
import subprocess
import sys


def unit_of(member):
    """xvm-actions.c.o -> xvm-actions; the generated meta-data C file keeps
    its own name (meson mangles its path into the object's name)."""
    base = member.rsplit("_", 1)[-1]
    for suffix in (".o", ".c"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base


def read_symbols(archives):
    """{unit: (defined set, needed set)} from nm -A over the archives."""
    units = {}
    out = subprocess.run(["nm", "-A", "--extern-only"] + archives, check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        # "ARCHIVE:MEMBER:ADDRESS KIND SYMBOL", no address when undefined
        fields = line.split()
        if len(fields) < 2:
            continue
        member = os.path.basename(fields[0].split(":")[1])
        kind, symbol = fields[-2], fields[-1]
        defined, needed = units.setdefault(unit_of(member), (set(), set()))
        (needed if kind == "U" else defined).add(symbol)
    return units


def edges_of(units):
    """{unit: {other unit: sorted symbols it needs from it}}."""
    owner = {}
    for unit, (defined, _) in units.items():
        for symbol in defined:
            owner[symbol] = unit
    edges = {unit: {} for unit in units}
    for unit, (_, needed) in units.items():
        for symbol in needed:
            other = owner.get(symbol)
            if other and other != unit:
                edges[unit].setdefault(other, []).append(symbol)
    return edges


def circles(edges):
    """The strongly connected components with more than one unit (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main(archives):
    if shutil.which("nm") is None:
        print("1..0 # SKIP nm is not installed")
        return 77
    edges = edges_of(read_symbols(archives))
    for unit in sorted(edges):
        print("# %s -> %s" % (unit, " ".join(sorted(edges[unit])) or "(nothing)"))
    found = circles(edges)
    print("1..1")
    if not found:
        print("ok 1 - no circle among the %d lib units" % len(edges))
        return 0
    for component in found:
        print("# circle: %s" % " <-> ".join(component))
        for unit in component:
            for other in sorted(edges[unit]):
                if other in component:
                    print("#   %s calls %s: %s" % (unit, other,
                                                  ", ".join(sorted(edges[unit][other]))))
    print("not ok 1 - %d circle(s) among the lib units" % len(found))
    return 1


if __name__ == "__main__":
    if len(sys.argv) < 2 or not all(os.path.exists(a) for a in sys.argv[1:]):
        sys.exit("usage: check-layers.py LIB.a [LIB.a ...]")
    sys.exit(main(sys.argv[1:]))
