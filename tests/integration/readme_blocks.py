#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""readme_blocks.py - the README's recipes as text, for the doc-test.

Usage:
  readme_blocks.py [--map FILE] [--allow PATH]... README HEADING WHAT [ARG]

HEADING is the start of a heading line ("## Install", "### sshd: public
key"); the section runs from it to the next heading of any level. WHAT:
  block N      the Nth fenced block (``` ... ```) of the section
  inline RE    the first inline code span (`...`) of the section's prose
               that matches the regular expression RE
  target N     the last absolute path in inline code in the prose just
               before block N: the file the block is meant for
  unmapped     (HEADING ignored) the FROM texts of the map that occur
               nowhere in README, one a line; exit 1 if any
Output is the text with the map applied. The map (--map FILE) has one
"FROM<TAB>TO" a line; every FROM is replaced by its TO in one pass
(longest first, so a TO is never replaced again), as a whole word or path
(see token()).

SECURITY: after the map, a system path (/etc, /usr, /var, /lib, ...) that
is not exactly one of the --allow paths is refused (exit 3): a README
edit the map does not cover must not make the test write to the machine.
Exit 2: no such section, block or span.
"""
import re
import sys

SYSTEM = re.compile(r"(?<![\w./-])/(?:etc|usr|var|lib|lib64|opt|srv|home|root|boot|bin|sbin|run)"
                    r"(?:/[^\s'\"`;|&<>()]*)?")
HEADING = re.compile(r"^#{1,6} ")
FENCE = re.compile(r"^```")
INLINE = re.compile(r"`([^`]+)`")


def die(code, msg):
    print("readme_blocks.py: " + msg, file=sys.stderr)
    sys.exit(code)


def section(lines, heading):
    """The lines after the heading that starts with HEADING, up to the next."""
    out = None
    fenced = False
    for line in lines:
        if FENCE.match(line):
            fenced = not fenced
        if not fenced and HEADING.match(line):
            if out is not None:
                break
            if line.startswith(heading):
                out = []
                continue
        if out is not None:
            out.append(line)
    if out is None:
        die(2, "no section %r" % heading)
    return out


def parts(sec):
    """The section as ("prose", text) and ("block", text) in order."""
    res, cur, fenced = [], [], False
    for line in sec:
        if FENCE.match(line):
            res.append(("block" if fenced else "prose", "".join(cur)))
            cur, fenced = [], not fenced
            continue
        cur.append(line)
    if fenced:
        die(2, "unterminated fence")
    res.append(("prose", "".join(cur)))
    return res


def load_map(path):
    table = {}
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if line.count("\t") != 1:
            die(2, "%s:%d: want FROM<TAB>TO" % (path, n))
        k, v = line.split("\t")
        table[k] = v
    return table


def apply_map(text, table):
    if not table:
        return text
    alt = "|".join(token(k) for k in sorted(table, key=len, reverse=True))
    return re.sub(alt, lambda m: table[m.group(0)], text)


def token(k):
    """FROM as a pattern: whole words only; a FROM ending in "/" is a
    directory and matches the start of the paths under it, any other FROM
    only a whole path (--prefix=/usr is not the start of --prefix=/usr/local)."""
    pat = re.escape(k)
    if re.match(r"\w", k):
        pat = r"(?<!\w)" + pat
    if not k.endswith("/"):
        pat += r"(?![\w./-])"
    return pat


def main(argv):
    table, allow = {}, set()
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--map":
            table = load_map(argv.pop(0))
        elif opt == "--allow":
            allow.add(argv.pop(0))
        else:
            die(2, "unknown option " + opt)
    if len(argv) < 3:
        die(2, "usage: [--map FILE] [--allow PATH]... README HEADING WHAT [ARG]")
    readme, heading, what = argv[:3]
    arg = argv[3] if len(argv) > 3 else None
    text = open(readme, encoding="utf-8").read()
    if what == "unmapped":
        gone = [k for k in table if k not in text]
        for k in gone:
            print(k)
        return 1 if gone else 0
    ps = parts(section(text.splitlines(keepends=True), heading))
    blocks = [i for i, (kind, _) in enumerate(ps) if kind == "block"]
    if what == "inline":
        spans = [" ".join(s.split()) for kind, t in ps if kind == "prose" for s in INLINE.findall(t)]
        hit = [s for s in spans if re.search(arg, s)]
        if not hit:
            die(2, "no inline code matching %r under %r" % (arg, heading))
        out = hit[0] + "\n"
    elif what in ("block", "target"):
        n = int(arg or "1")
        if not 1 <= n <= len(blocks):
            die(2, "no block %d under %r" % (n, heading))
        i = blocks[n - 1]
        if what == "block":
            out = ps[i][1]
        else:
            paths = [s for s in INLINE.findall(ps[i - 1][1]) if s.startswith("/")]
            if not paths:
                die(2, "no file named before block %d under %r" % (n, heading))
            out = paths[-1] + "\n"
    else:
        die(2, "unknown WHAT " + what)
    out = apply_map(out, table)
    bad = sorted(set(p for p in SYSTEM.findall(out) if p not in allow))
    if bad:
        die(3, "unmapped system path(s) under %r: %s" % (heading, " ".join(bad)))
    sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
