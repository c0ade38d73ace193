#!/usr/bin/env python3
"""Differential fixture for the ini file model: random ini texts parsed, updated and
rewritten by Salt's own `salt.modules.ini_manage._Ini`.

Usage: ORACLE_PYTHON record_parse.py [N [SEED]]  (run with the Python that has Salt installed)

Writes parse.json next to this script: a list of
{text, separator, no_spaces, update, get_ini, changes, written}.
The generator is seeded, so the output is reproducible.
"""
import json
import os
import random
import sys
import tempfile

import salt.modules.ini_manage as im

im.__salt_system_encoding__ = "utf-8"
im.__opts__ = {"test": False}

HERE = os.path.dirname(os.path.abspath(__file__))

LINES = [
    "", "   ", "key = value", "key=value", "other = 1", "  indented = x", "\tcont line",
    "    deeper", "# comment", "; semi comment", "#key = old", "# other = old", "[sec]",
    "  [sec2]  ", "[DEFAULT]", "[sec]", "junk line", "a : b", "a:b", "k = v = w", "key =",
    "= value", "[bad", "x\ty", "ключ = значение", "key value", "  # indented comment",
    "name = trailing   ", "[ spaced ]", "#comment1 = weird", "#[notsec]",
]
KEYS = ["key", "other", "new", "k", "a", "ключ", "name", "x"]
SECS = ["sec", "sec2", "DEFAULT", "fresh", " spaced ", "key"]


def rand_update(rng):
    upd = {}
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.6:
            sec = rng.choice(SECS)
            body = upd.get(sec) if isinstance(upd.get(sec), dict) else {}
            for _ in range(rng.randint(0, 3)):
                body[rng.choice(KEYS)] = rng.choice(["v", "1", "x y", "", "value"])
            upd[sec] = body
        else:
            k = rng.choice(KEYS)
            if not isinstance(upd.get(k), dict):
                upd[k] = rng.choice(["v", "2", "top"])
    return upd


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 3007)
    out = []
    tmp = tempfile.mkdtemp(prefix="ini-parse-")
    path = os.path.join(tmp, "t.ini")
    for i in range(n):
        lines = [rng.choice(LINES) for _ in range(rng.randint(0, 12))]
        eol = rng.choice(["\n", "\n", "\r\n"])
        text = eol.join(lines) + (eol if rng.random() < 0.7 else "")
        sep = rng.choice(["=", "=", "=", ":", " "])
        no_spaces = rng.random() < 0.15
        upd = rand_update(rng)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        case = {"text": text, "separator": sep, "no_spaces": no_spaces, "update": upd}
        try:
            case["get_ini"] = im.get_ini(path, separator=sep)
            ini = im._Ini.get_ini_file(path, separator=sep, no_spaces=no_spaces)
            case["changes"] = json.loads(json.dumps(ini.update(upd)))
            ini.flush()
            with open(path, encoding="utf-8", newline="") as f:
                case["written"] = f.read()
        except Exception as e:  # pylint: disable=broad-except
            case["error"] = "%s: %s" % (type(e).__name__, e)
        out.append(case)
    with open(os.path.join(HERE, "parse.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases, %d errors" % (len(out), sum("error" in c for c in out)), file=sys.stderr)


if __name__ == "__main__":
    main()
