#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""layers.py [TOP] - check the helper's layering; prints each breach and
exits 1 when there is one.

The rules (helper/README.md names the layers):
  1. every .c and .h file of helper/ lies in a layer folder;
  2. a file includes (#include "LAYER/...") only its own layer and the
     layers below it (LOWER), and the module (pam_smsotp/) only proto and
     base;
  3. no include circle: a file and its header are one unit (x.c with
     x.h), and no chain of includes leads from a unit back to itself;
  4. the store's private parts stay in it: a store descriptor (->dirfd,
     .dirfd) only in helper/store/, flock() only in the one lock of
     helper/base/lock.c.
"""
import os
import re
import sys

LOWER = {
    "base": set(),
    "proto": {"base"},
    "conf": {"base", "proto"},
    "phones": {"base", "proto", "conf"},
    "store": {"base", "proto"},
    "gateways": {"base", "proto", "conf", "phones", "store"},
    "core": {"base", "proto", "conf", "phones", "store", "gateways"},
    "server": {"base", "proto", "conf", "phones", "store", "gateways",
               "core"},
    "ctl": {"base", "proto", "conf", "phones", "store", "gateways", "core"},
}
MODULE_MAY = {"proto", "base"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PRIVATE = [
    (re.compile(r"(->|\.)dirfd\b"), "helper/store/",
     "a store descriptor used outside the store"),
    (re.compile(r"\bflock\s*\("), "helper/base/lock.c",
     "flock outside the one lock with a deadline"),
]


def sources(top, sub):
    out = []
    for d, _, files in os.walk(os.path.join(top, sub)):
        for f in files:
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(d, f), top))
    return sorted(out)


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)


def unit(path):
    return os.path.splitext(path)[0]


def resolve(inc, base_dir, top):
    """The file an #include "inc" names, relative to top, or None."""
    for cand in (os.path.join("helper", inc), os.path.join(base_dir, inc)):
        if os.path.isfile(os.path.join(top, cand)):
            return os.path.normpath(cand)
    return None


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    bad = []
    graph = {}
    files = sources(top, "helper") + sources(top, "pam_smsotp")
    for f in files:
        parts = f.split(os.sep)
        module = parts[0] == "pam_smsotp"
        layer = None if module else (parts[1] if len(parts) > 2 else None)
        if not module and layer not in LOWER:
            bad.append("%s: not in a layer folder of helper/" % f)
            continue
        with open(os.path.join(top, f), encoding="utf-8") as fh:
            text = strip_comments(fh.read())
        u = unit(f)
        graph.setdefault(u, set())
        for inc in INCLUDE.findall(text):
            if inc == "config.h":
                continue
            target = resolve(inc, os.path.dirname(f), top)
            if target is None:
                bad.append("%s: includes \"%s\", which is not in the tree"
                           % (f, inc))
                continue
            tparts = target.split(os.sep)
            if tparts[0] == "helper":
                tl = tparts[1]
                if module and tl not in MODULE_MAY:
                    bad.append("%s: the module includes %s (only %s)"
                               % (f, target, ", ".join(sorted(MODULE_MAY))))
                if not module and tl != layer and tl not in LOWER[layer]:
                    bad.append("%s: layer %s includes %s (layer %s is not "
                               "below it)" % (f, layer, target, tl))
            if unit(target) != u:
                graph[u].add(unit(target))
        for rx, where, what in PRIVATE:
            if f.startswith(where):
                continue
            for n, line in enumerate(text.split("\n"), 1):
                if rx.search(line):
                    bad.append("%s:%d: %s" % (f, n, what))
    for comp in cycles(graph):
        bad.append("include circle: %s" % " <-> ".join(comp))
    for b in bad:
        print(b)
    print("layers: %d files, %d units, %d breaches" %
          (len(files), len(graph), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
