#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# t_admin_commands.sh - every smsotpctl command an administrator is told to
# run exists: each "smsotpctl VERB ..." named by the man pages, README.md
# (and the Debian one), the comments of the sample configurations and the
# string literals of the C sources (log lines, messages) has a VERB, a
# sub-verb (global reset) and options that the installed smsotpctl's verb
# table lists (its --help text is made from the table); the harmless ones
# are run against the test prefix and must succeed.
. "$(dirname "$0")/../lib.sh"

# the source tree: the nearest directory above this script with configure.ac
SRC=$HERE
while [ "$SRC" != / ] && [ ! -f "$SRC/configure.ac" ]; do SRC=$(dirname "$SRC"); done
CTL_="$CTL -c $CONF"

users "alice +447700900123"
write_conf
reset_state
"$CTL" --help >"$T/help" 2>&1

# find_mentions SRC HELP: one line per command named (VERB, SUB-VERB or
# "-", "ok" or what is wrong, where, --json when a mention used it);
# "# found KIND N" lines count the mentions of each kind of source.
find_mentions() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import glob, os, re, sys

src, helpfile = sys.argv[1], sys.argv[2]

# --- what smsotpctl accepts: its usage text, one "  VERB ARGS  help" line each
verbs = {}
for line in open(helpfile, encoding="utf-8"):
    m = re.match(r"^  ([a-z][a-z0-9-]*)((?: \S+)*)(?: {2,}|$)", line.rstrip("\n"))
    if m:
        verbs[m.group(1)] = m.group(2).split()
GLOBAL_OPTS = {"-c", "--config", "--json", "-h", "--help"}

# --- phrases: (where, text) pairs, a command being named within one phrase
def roff_text(s):
    s = re.sub(r'\\".*', "", s)
    for a, b in (("\\-", "-"), ("\\(aq", "'"), ("\\(lq", '"'), ("\\(rq", '"'),
                 ("\\|", ""), ("\\&", ""), ("\\e", "\\"), ("\\ ", " ")):
        s = s.replace(a, b)
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\(\[[^]]*\]|\(..)", "?", s)
    return s

def roff_args(s):
    args, cur, i, inq, have = [], "", 0, False, False
    while i < len(s):
        c = s[i]
        if inq:
            if c == '"' and s[i + 1:i + 2] == '"':
                cur += '"'; i += 1
            elif c == '"':
                inq = False
            else:
                cur += c
        elif c == '"':
            inq = have = True
        elif c in " \t":
            if cur or have:
                args.append(cur)
            cur, have = "", False
        else:
            cur += c
        i += 1
    if cur or have:
        args.append(cur)
    return args

FONTS = {"B", "I", "R", "SM", "SB"}
ALTS = {"BR", "RB", "BI", "IB", "IR", "RI"}

def man_phrases(path):
    section, syn, out = "", [], []
    def flush():
        if syn:
            out.append((syn[0][0], " ".join(t for _, t in syn)))
            del syn[:]
    for n, raw in enumerate(open(path, encoding="utf-8"), 1):
        raw = raw.rstrip("\n")
        where = "%s:%d" % (os.path.relpath(path, src), n)
        text = None
        if raw.startswith(".") or raw.startswith("'"):
            m = re.match(r"[.'](\S*)\s*(.*)", raw)
            mac, rest = m.group(1), m.group(2)
            if mac == "SH":
                flush()
                section = rest.strip('"')
            elif mac == "br":
                flush()
            elif mac in FONTS:
                text = " ".join(roff_text(a) for a in roff_args(rest))
            elif mac in ALTS:
                text = "".join(roff_text(a) for a in roff_args(rest))
        else:
            text = roff_text(raw)
        if text is None:
            continue
        if section == "SYNOPSIS":
            syn.append((where, text))
        else:
            out.append((where, text))
    flush()
    return out

def line_phrases(path, comment_only=False):
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if comment_only:
            inq, cut = False, None
            for i, c in enumerate(line):
                if c == '"':
                    inq = not inq
                elif not inq and (c == "#" or line.startswith("//", i)):
                    cut = i
                    break
            if cut is None:
                continue
            line = line[cut:]
        out.append(("%s:%d" % (os.path.relpath(path, src), n), line))
    return out

ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "'": "'"}

def c_phrases(path):
    s = open(path, encoding="utf-8").read()
    out, i, lits = [], 0, []     # lits: the literal being joined: (line, text)
    def flush():
        if lits:
            line, text = lits[0][0], "".join(t for _, t in lits)
            for k, part in enumerate(text.split("\n")):
                out.append(("%s:%d" % (os.path.relpath(path, src), line), part))
            del lits[:]
    while i < len(s):
        c = s[i]
        if s.startswith("/*", i):
            i = s.find("*/", i + 2) + 2
            if i == 1:
                break
        elif s.startswith("//", i):
            i = s.find("\n", i)
            if i < 0:
                break
        elif c == "'":
            j = i + 1
            while j < len(s) and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            i = j + 1
            flush()
        elif c == '"':
            line, j, text = s.count("\n", 0, i) + 1, i + 1, ""
            while j < len(s) and s[j] != '"':
                if s[j] == "\\":
                    text += ESC.get(s[j + 1], "\\" + s[j + 1])
                    j += 2
                else:
                    text += s[j]
                    j += 1
            lits.append((line, text))
            i = j + 1
        elif c in " \t\n":
            i += 1
        else:
            flush()
            i += 1
    flush()
    return out

kinds = {
    "man": [p for p in sorted(glob.glob(src + "/man/*.[58]"))],
    "readme": [src + "/README.md", src + "/packaging/debian/README.Debian"],
    "conf": [src + "/conf/pam_smsotp.conf"] +
            sorted(glob.glob(src + "/packaging/*/pam_smsotp.conf")),
    "c": sorted(glob.glob(src + "/helper/**/*.c", recursive=True) +
                glob.glob(src + "/pam_smsotp/*.c")),
}

# --- the commands named in a phrase
MENTION = re.compile(r"(?<![\w-])smsotpctl(?=[ \t])")
CLOSE = "'\"`.,;:)"

def word(tok):
    """tok without closing punctuation; True when that ends the mention."""
    w = tok.rstrip(CLOSE)
    return w, w != tok

def mentions(text):
    for m in MENTION.finditer(text):
        rest = text[m.end():]
        if re.match(r" {2,}|\t", rest):
            continue            # a column layout: the name, then its description
        rest = re.split(r" {2,}|\t", rest[1:], maxsplit=1)[0]
        toks, i, json = rest.split(" "), 0, False
        while i < len(toks):    # options before the verb
            t = toks[i]
            if t in ("-c", "--config"):
                i += 2
            elif t in ("--json", "-h", "--help"):
                json = json or t == "--json"
                i += 1
            elif t.startswith("["):
                while i < len(toks) and not toks[i].endswith("]"):
                    i += 1
                i += 1
            else:
                break
        if i >= len(toks):
            continue
        verb, ended = word(toks[i])
        if not re.fullmatch(r"[a-z][a-z0-9-]*", verb):
            continue            # a placeholder (COMMAND), a page reference
        sub, opts = None, []
        for t in toks[i + 1:] if not ended else []:
            w, ended = word(t)
            if w.startswith("-"):
                opts.append(w)
                json = json or w == "--json"
            elif sub is None and re.fullmatch(r"[a-z][a-z0-9-]*", w):
                sub = w
            else:
                break           # a placeholder, a value, the end of the command
            if ended:
                break
        yield verb, sub, opts, json

def sub_verbs(verb):
    """The words the first argument of verb may be, or () for any."""
    syn = verbs.get(verb) or ["X"]
    first = syn[0].strip("[]").split("|")
    return first if all(re.fullmatch(r"[a-z][a-z0-9-]*", a) for a in first) else ()

def judge(verb, sub, opts):
    if verb not in verbs:
        return "not a smsotpctl command"
    syn = verbs[verb]
    for o in opts:
        if o not in GLOBAL_OPTS and not any(o in a.strip("[]").split("|")
                                            for a in syn):
            return "option %s is not one of %s" % (o, verb)
    if sub is None:
        return "ok"
    if not syn:
        return "takes no argument, named with '%s'" % sub
    if sub_verbs(verb) and sub not in sub_verbs(verb):
        return "no sub-verb '%s' (%s)" % (sub, " ".join(syn))
    return "ok"

found, seen = {}, {}
for kind, paths in kinds.items():
    found[kind] = 0
    for p in paths:
        if not os.path.isfile(p):
            continue
        phrases = (man_phrases(p) if kind == "man" else
                   line_phrases(p, comment_only=kind == "conf") if kind != "c"
                   else c_phrases(p))
        for where, text in phrases:
            for verb, sub, opts, json in mentions(text):
                found[kind] += 1
                verdict = judge(verb, sub, opts)
                # one command per verb and sub-verb (not per argument)
                key = (verb, sub if sub in sub_verbs(verb) else None)
                e = seen.setdefault(key, {"where": [], "bad": None, "json": False})
                e["where"].append(where)
                e["json"] = e["json"] or json
                if verdict != "ok" and e["bad"] is None:
                    e["bad"] = "%s: %s" % (where, verdict)
for kind, n in found.items():
    print("# found %s %d" % (kind, n))
for (verb, sub), e in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
    print("\t".join([verb, sub or "-", e["bad"] or "ok",
                     "%s (%d mentions)" % (e["where"][0], len(e["where"])),
                     "json" if e["json"] else "-"]))
EOF
}

# The harmless commands, run against the test prefix: VERB [SUB] -> arguments.
harmless_args() {
	case "$1 $2" in
	"status -") echo alice ;;
	"locked -"|"global -"|"check-config -"|"version -") echo "" ;;
	"global reset") echo reset ;;
	*) return 1 ;;
	esac
}

find_mentions "$SRC" "$T/help" >"$T/mentions" 2>"$T/mentions.err"

# found_everywhere: each kind of source named smsotpctl commands
found_everywhere() {
	local k
	for k in man readme conf c; do
		grep -q "^# found $k [1-9]" "$T/mentions" || return 1
	done
}

tid=admin_commands_found_in_every_kind_of_source
cp "$T/mentions.err" "$T/last.out"
check eval '[ -s "$T/help" ] && [ ! -s "$T/mentions.err" ] && found_everywhere'

while IFS=$'\t' read -r verb sub verdict where json; do
	tid=admin_command_$verb
	[ "$sub" != - ] && tid=${tid}_$sub
	echo "$verb $sub: $where: $verdict" >"$T/last.out"
	if [ "$verdict" != ok ]; then
		fail "$verdict"
		continue
	fi
	if args=$(harmless_args "$verb" "$sub"); then
		# shellcheck disable=SC2086
		$CTL_ "$verb" $args >>"$T/last.out" 2>&1; rc=$?
		jrc=0
		if [ "$json" = json ] && [ "$sub" = - ] && [ "$verb" != check-config ] &&
		    [ "$verb" != version ]; then
			# shellcheck disable=SC2086
			$CTL_ --json "$verb" $args 2>>"$T/last.out" |
				/usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' >>"$T/last.out" 2>&1
			jrc=$?
		fi
		check eval '[ $rc -eq 0 ] && [ $jrc -eq 0 ]'
	else
		pass	# in the verb table (not run: it changes or sends something)
	fi
done < <(grep -v '^#' "$T/mentions")

reset_state
finish
