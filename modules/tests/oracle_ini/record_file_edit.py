#!/usr/bin/env python3
"""Differential fixture for file.keyvalue / file.comment / file.uncomment: seeded random
files and arguments run through Salt's own state functions (salt.states.file) with the
real file.search / file.comment_line execution functions behind them.

Usage: ORACLE_PYTHON record_file_edit.py [N [SEED]]

Writes file_edit.json next to this script: a list of
{fun, text, args, test, ret: {result, comment, changes}, written, backup}.
Paths in the output are replaced by @FILE@.
"""
import json
import os
import random
import sys
import tempfile

import salt.modules.file as fm
import salt.states.file as sf
import salt.utils.files
import salt.utils.stringutils

HERE = os.path.dirname(os.path.abspath(__file__))

OPTS = {"test": False}
fm.__opts__ = OPTS
fm.__utils__ = {
    "files.is_text": salt.utils.files.is_text,
    "stringutils.get_diff": salt.utils.stringutils.get_diff,
}
fm.__salt__ = {}
fm.__grains__ = {"kernel": "Linux"}
sf.__opts__ = OPTS
sf.__salt__ = {"file.search": fm.search, "file.comment_line": fm.comment_line}
sf.__utils__ = {"files.is_text": salt.utils.files.is_text}
sf.__salt_system_encoding__ = "utf-8"
sf.__env__ = "base"

KV_LINES = [
    "PermitRootLogin yes", "#PermitRootLogin no", "# PermitRootLogin no", "  PermitRootLogin yes",
    "permitrootlogin yes", "Port 22", "Port=22", "Port = 22", "key=value", "key = value",
    "#key=old", "KEY=Value", "", "   ", "# comment", "UseDNS no", "UseDNSx no", "key",
]
KV_KEYS = ["PermitRootLogin", "Port", "key", "UseDNS", "Missing"]
KV_VALUES = ["yes", "no", "22", "value", "Value", 2222, True, "x y"]

CM_LINES = [
    "bind 127.0.0.1", "#bind 127.0.0.1", "  bind 127.0.0.1", "# bind 127.0.0.1",
    "foo = 1", "#foo = 1", ";foo = 1", "  #foo = 2", "##foo = 3", "FOO = 4", "", "other",
    "foo", "xfoo", "// foo", "foo bar baz",
]
CM_REGEX = ["^bind", "bind 127.0.0.1", "^foo", "foo = 1$", "^foo|other", "^(foo|other)",
            "f.o", "^bind 127\\.0\\.0\\.1$", "^nothere", "foo"]
CM_CHARS = ["#", "#", ";", "//"]


def rand_text(rng, vocab):
    lines = [rng.choice(vocab) for _ in range(rng.randint(0, 8))]
    eol = rng.choice(["\n", "\n", "\n", "\r\n"])
    return eol.join(lines) + (eol if rng.random() < 0.8 else "")


def kv_args(rng):
    a = {}
    if rng.random() < 0.5:
        a["key"] = rng.choice(KV_KEYS)
        a["value"] = rng.choice(KV_VALUES)
    else:
        a["key_values"] = {rng.choice(KV_KEYS): rng.choice(KV_VALUES) for _ in range(rng.randint(1, 3))}
    a["separator"] = rng.choice([" ", " ", "=", " = "])
    for flag in ("append_if_not_found", "prepend_if_not_found", "key_ignore_case",
                 "value_ignore_case", "show_changes"):
        if rng.random() < 0.3:
            a[flag] = rng.random() < 0.7
    if rng.random() < 0.4:
        a["uncomment"] = rng.choice(["#", "# ", "#;"])
    if rng.random() < 0.4:
        a["count"] = rng.choice([-1, 0, 1, 2])
    return a


def cm_args(rng, fun):
    a = {"regex": rng.choice(CM_REGEX), "char": rng.choice(CM_CHARS)}
    if rng.random() < 0.3:
        a["backup"] = rng.choice([False, ".orig"])
    if fun == "comment" and rng.random() < 0.3:
        a["ignore_missing"] = True
    return a


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 3007)
    tmp = tempfile.mkdtemp(prefix="file-edit-")
    out = []
    for i in range(n):
        fun = rng.choice(["keyvalue", "keyvalue", "comment", "uncomment"])
        if fun == "keyvalue":
            text, args = rand_text(rng, KV_LINES), kv_args(rng)
        else:
            text, args = rand_text(rng, CM_LINES), cm_args(rng, fun)
        test = rng.random() < 0.25
        path = os.path.join(tmp, "f%d" % i)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        OPTS["test"] = test
        case = {"fun": "file." + fun, "text": text, "args": args, "test": test}
        try:
            ret = getattr(sf, fun)(path, **args)
            ret = json.loads(json.dumps({k: ret[k] for k in ("result", "comment", "changes")}).replace(path, "@FILE@"))
            case["ret"] = ret
        except Exception as e:  # pylint: disable=broad-except
            case["error"] = "%s: %s" % (type(e).__name__, str(e).replace(path, "@FILE@"))
        with open(path, encoding="utf-8", newline="") as f:
            case["written"] = f.read()
        backups = sorted(p for p in os.listdir(tmp) if p.startswith("f%d." % i))
        case["backup"] = [b[len("f%d" % i):] for b in backups]
        out.append(case)
    with open(os.path.join(HERE, "file_edit.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases, %d errors" % (len(out), sum("error" in c for c in out)), file=sys.stderr)


if __name__ == "__main__":
    main()
