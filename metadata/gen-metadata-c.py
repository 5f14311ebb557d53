#!/usr/bin/env python3
"""Turns metadata/domain.xml into C: the text the agent prints for meta-data,
and the parameter and action tables it reads, so that the XML stays the one
source and the agent pays neither GResource (libgio) nor an XML parse on
every run.  The actions meta-data advertises also become the list the
agent's action enum and tables are built from (xvm-ocf.h), so that an
action exists in C exactly when meta-data advertises it.

    gen-metadata-c.py domain.xml out.c out-actions.h"""
import re
import sys
import xml.etree.ElementTree as ET

TYPES = {"string": "XVM_PARAM_STRING", "integer": "XVM_PARAM_INTEGER",
         "boolean": "XVM_PARAM_BOOLEAN"}


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append('    "%s"' % esc)
    return "\n".join(out) if out else '    ""'


def action_id(name):
    """validate-all -> VALIDATE_ALL: the XVM_ACTION_ enum member's suffix."""
    ident = re.sub(r"[^A-Za-z0-9]", "_", name).upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", ident):
        sys.exit("action %r cannot name a C enum member" % name)
    return ident


def write_action_list(src, dst, names):
    """An X-macro: X(ID, "name") for each advertised action, in order."""
    rows = ["    X(%s, \"%s\")" % (action_id(n), n) for n in names]
    with open(dst, "w", encoding="utf-8") as out:
        out.write("/* Generated from %s by gen-metadata-c.py: do not edit. */\n"
                  % src.split("/")[-1])
        out.write("#pragma once\n\n")
        out.write("/* The actions meta-data advertises: X(ID, \"name\"). */\n")
        out.write("#define XVM_METADATA_ACTIONS(X) \\\n%s\n" % " \\\n".join(rows))


def main(src, dst, dst_actions):
    text = open(src, encoding="utf-8").read()
    root = ET.fromstring(text.encode())
    params, actions = [], []
    for p in root.find("parameters"):
        content = p.find("content")
        kind = content.get("type")
        if kind not in TYPES:
            sys.exit("%s: parameter %s has type %s" % (src, p.get("name"), kind))
        params.append('    { "%s", %s, "%s", %s },' % (
            p.get("name"), TYPES[kind], content.get("default", ""),
            "TRUE" if p.get("required") == "1" else "FALSE"))
    for a in root.find("actions"):
        actions.append('    { "%s", "%s" },' % (a.get("name"), a.get("timeout", "")))
    with open(dst, "w", encoding="utf-8") as out:
        out.write("/* Generated from %s by gen-metadata-c.py: do not edit. */\n" % src.split("/")[-1])
        out.write('#include "xvm-metadata.h"\n\n')
        out.write("const char xvm_metadata_xml_text[] =\n%s;\n\n" % c_string(text))
        out.write("const XvmParamSpec xvm_metadata_param_table[] = {\n%s\n};\n" % "\n".join(params))
        out.write("const gsize xvm_metadata_param_count = %d;\n\n" % len(params))
        out.write("const XvmActionSpec xvm_metadata_action_table[] = {\n%s\n};\n" % "\n".join(actions))
        out.write("const gsize xvm_metadata_action_count = %d;\n" % len(actions))
    write_action_list(src, dst_actions, [a.get("name") for a in root.find("actions")])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
