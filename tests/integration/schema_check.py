#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""schema_check.py SETTINGS.json MANPAGE SAMPLE - check pam_smsotp.conf(5)
and the sample configuration against the schema (`smsotpctl settings
--json`). Prints one line per disagreement and exits 1 when there is one.

The manual: every setting of the schema has, in the section named by its
first word (`.SS "limits \\(em ..."`, `.SS twilio`), a line
`.BR NAME " (SHAPE)"` (or `.BR NAME " or|and " OTHER " (SHAPE)"`) whose
SHAPE is the schema's, and no such line names a setting the schema lacks.

The sample: each `NAME = VALUE;` line, set or commented out, names a
setting of the schema in its group (the HTTPS settings of any HTTP gateway
are the schema's twilio ones); a number is within the schema's range; a
commented-out setting shows the default (the sample says so); a range
`A..B` or `(default D)` in its comment is the schema's. The sample's
"Types:" names every gateway type of the manual.
"""
import json
import re
import sys

HTTPS_TYPES = ("twilio", "vonage", "kannel", "http")


def roff_text(s):
    return (s.replace("\\(dq", '"').replace("\\-", "-").replace("\\e", "\\")
            .replace("\\(em", "-"))


def man_entries(path, errors):
    """{(section, name): shape} of the SETTINGS and GATEWAY TYPES parts, and
    the gateway types (the .SS of GATEWAY TYPES)."""
    entries, types = {}, []
    part = section = None
    line_re = re.compile(r'^\.BR (\w+) (?:" (?:or|and) " \w+ )?" \((.*)\)"$')
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith(".SH "):
            part = line[4:].strip('"')
            section = None
            continue
        if part not in ("SETTINGS", "GATEWAY TYPES"):
            continue
        if line.startswith(".SS "):
            section = line[4:].strip().strip('"').split()[0]
            if part == "GATEWAY TYPES":
                types.append(section)
            continue
        m = line_re.match(line)
        if m is None or section is None:
            continue
        key = (section, m.group(1))
        if key in entries:
            errors.append("%s:%d: %s.%s described twice" %
                          (path, n, key[0], key[1]))
        entries[key] = (n, roff_text(m.group(2)))
    return entries, types


def check_man(schema, path, errors):
    entries, types = man_entries(path, errors)
    for key, s in schema.items():
        if key not in entries:
            errors.append("%s: no '.BR %s \" (%s)\"' in section %s" %
                          (path, key[1], s["shape"], key[0]))
        elif entries[key][1] != s["shape"]:
            errors.append("%s:%d: %s.%s says (%s), the schema (%s)" %
                          (path, entries[key][0], key[0], key[1],
                           entries[key][1], s["shape"]))
    for key, (n, _) in sorted(entries.items(), key=lambda kv: kv[1][0]):
        if key not in schema:
            errors.append("%s:%d: %s.%s is not a setting of the schema" %
                          (path, n, key[0], key[1]))
    return types


def sample_settings(path):
    """[(line, section, name, value, commented, comment)]: every
    "NAME = VALUE;" line, set or commented out, with its comment and the
    comment lines indented under it."""
    lines = open(path, encoding="utf-8").read().split("\n")
    set_re = re.compile(r'^\s*(#\s*)?(\w+) = ([^;{(]+);\s*(?:#(.*))?$')
    out = []
    group = gw_type = None      # the top-level group or list being read
    for i, line in enumerate(lines):
        # a top-level group or list, set or commented out ("# policy = {")
        if re.match(r'^(?:# )?\w+ = [{(]', line):
            group, gw_type = line.lstrip("# ").split()[0], None
        elif re.match(r'^(?:# )?[})];', line):
            group = None
        m = re.search(r'type = "(\w+)"', line)
        if group == "gateways" and m:
            gw_type = m.group(1)
        m = set_re.match(line)
        if m is None:
            continue
        comment = m.group(4) or ""
        for more in lines[i + 1:]:      # continued comment lines
            if not re.match(r'^ {9,}#', more) or set_re.match(more):
                break
            comment += " " + more.strip().lstrip("#").strip()
        section = {None: m.group(2), "gateways": gw_type}.get(group, group)
        out.append((i + 1, section, m.group(2), m.group(3).strip(),
                    m.group(1) is not None, comment))
    return out


def find(schema, section, name):
    if name.endswith("_file") and (section, name[:-5]) in schema:
        name = name[:-5]            # a secret given as a file
    for sec in (section, "gateways", "twilio" if section in HTTPS_TYPES
                else None):
        if sec is not None and (sec, name) in schema:
            return schema[(sec, name)]
    return None


def check_sample(schema, path, types, errors):
    text = open(path, encoding="utf-8").read()
    for n, section, name, value, commented, comment in sample_settings(path):
        where = "%s:%d: %s.%s" % (path, n, section, name)
        s = find(schema, section, name)
        if s is None:
            errors.append("%s is not a setting of the schema" % where)
            continue
        if s["type"] == "integer":
            if not re.fullmatch(r"-?\d+", value):
                errors.append("%s = %s is not a number" % (where, value))
                continue
            v = int(value)
            if not s["min"] <= v <= s["max"]:
                errors.append("%s = %d is outside %d..%d" %
                              (where, v, s["min"], s["max"]))
            if commented and v != s["default"]:
                errors.append("%s: commented out as %d, the default is %d" %
                              (where, v, s["default"]))
            lo = s["shape"].split(", ")[1].split("..")[0]
            m = re.search(r"(\w+)\.\.(\d+)", comment)
            if m and (m.group(1) != lo or int(m.group(2)) != s["max"]):
                errors.append("%s: the comment says %s..%s, the schema "
                              "%s..%d" % (where, m.group(1), m.group(2), lo,
                                          s["max"]))
            m = re.search(r"\(default (\d+)\)", comment)
            if m and int(m.group(1)) != s["default"]:
                errors.append("%s: the comment says default %s, the schema "
                              "%d" % (where, m.group(1), s["default"]))
        elif s["type"] == "boolean":
            if value not in ("true", "false"):
                errors.append("%s = %s is not true or false" % (where, value))
            elif commented and (value == "true") != s["default"]:
                errors.append("%s: commented out as %s, the default is %s" %
                              (where, value, str(s["default"]).lower()))
        elif s["type"] == "string" and s.get("default") is not None:
            m = re.search(r"\bdefault\b", comment)
            if (m or commented) and value != '"%s"' % s["default"]:
                errors.append("%s = %s, the comment says it is the default, "
                              "the schema's is \"%s\"" %
                              (where, value, s["default"]))
    m = re.search(r"Types: ((?:\"\w+\"[, ]*(?:and )?)+)", text.replace("\n#", ""))
    listed = re.findall(r'"(\w+)"', m.group(1)) if m else []
    if sorted(listed) != sorted(types):
        errors.append("%s: \"Types:\" lists %s, the manual %s" %
                      (path, ", ".join(listed) or "none", ", ".join(types)))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n")[0])
    schema = {(s["section"], s["name"]): s
              for s in json.load(open(sys.argv[1], encoding="utf-8"))}
    errors = []
    types = check_man(schema, sys.argv[2], errors)
    check_sample(schema, sys.argv[3], types, errors)
    for e in errors:
        print(e)
    print("schema: %d settings, %d disagreements" % (len(schema), len(errors)))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
