#!/usr/bin/env python3
"""Differential fixture for the ini states: seeded random ini files and arguments run
through Salt's own salt.states.ini_manage with the real salt.modules.ini_manage behind it.

Usage: ORACLE_PYTHON record_ini_states.py [N [SEED]]

Writes ini_states.json next to this script: a list of
{fun, text, args, test, ret: {result, comment, changes} | error, written}.
`sections_present` outside test mode crashes in Salt 3007.8 and is not generated.
Comments that depend on Python set order (strict removals) are generated only with one
removable key.
"""
import json
import os
import random
import sys
import tempfile

import salt.modules.ini_manage as im
import salt.states.ini_manage as st

HERE = os.path.dirname(os.path.abspath(__file__))
OPTS = {"test": False}
im.__opts__ = OPTS
im.__salt_system_encoding__ = "utf-8"
st.__opts__ = OPTS
st.__salt__ = {
    "ini.get_ini": im.get_ini,
    "ini.set_option": im.set_option,
    "ini.remove_option": im.remove_option,
    "ini.get_section": im.get_section,
    "ini.get_option": im.get_option,
    "ini.remove_section": im.remove_section,
}

LINES = ["top = 1", "flag = yes", "# top comment", "[main]", "[other]", "[DEFAULT]", "a = 1",
         "b = 2", "#c = 3", "  cont", "", "junk", "a = 9"]
KEYS = ["a", "b", "c", "d", "top", "flag"]
SECS = ["main", "other", "DEFAULT", "new"]


def rand_text(rng):
    return "\n".join(rng.choice(LINES) for _ in range(rng.randint(0, 10))) + "\n"


def rand_sections(rng, fun):
    if fun == "options_present":
        d = {}
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.7:
                d[rng.choice(SECS)] = {rng.choice(KEYS): rng.choice(["1", "2", "x", 3])
                                       for _ in range(rng.randint(0, 3))}
            else:
                d[rng.choice(["top", "flag", "z"])] = rng.choice(["1", "yes", "n"])
        return d
    if fun == "options_absent":
        d = {}
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.7:
                d[rng.choice(SECS)] = [rng.choice(KEYS) for _ in range(rng.randint(0, 2))]
            else:
                d[rng.choice(["top", "flag", "z"])] = rng.choice([["x"], "q"])
        return d
    return [rng.choice(SECS + ["top"]) for _ in range(rng.randint(0, 3))]


def strict_is_deterministic(text, sections):
    """Strict removals iterate a Python set: keep cases with at most one removal per scope."""
    path = os.path.join(tempfile.mkdtemp(), "x.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    cur = im.get_ini(path)
    top = [k for k, v in cur.items() if not isinstance(v, dict)]
    opts = [k for k, v in sections.items() if not isinstance(v, dict)]
    if len(set(top) - set(opts)) > 1:
        return False
    for s, body in sections.items():
        if isinstance(body, dict) and isinstance(cur.get(s), dict):
            if len(set(cur[s]) - set(body)) > 1:
                return False
    return True


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 3007)
    tmp = tempfile.mkdtemp(prefix="ini-states-")
    out = []
    while len(out) < n:
        i = len(out)
        fun = rng.choice(["options_present", "options_present", "options_absent",
                          "sections_absent", "sections_present"])
        test = fun == "sections_present" or rng.random() < 0.3
        text = rand_text(rng) if rng.random() < 0.9 else None
        args = {"sections": rand_sections(rng, fun)}
        if fun == "options_present" and rng.random() < 0.3:
            args["strict"] = True
            if text is not None and not strict_is_deterministic(text, args["sections"]):
                continue
        path = os.path.join(tmp, "f%d.ini" % i)
        if text is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        OPTS["test"] = test
        case = {"fun": "ini." + fun, "text": text, "args": args, "test": test}
        try:
            ret = getattr(st, fun)(path, **args)
            case["ret"] = json.loads(json.dumps(
                {k: ret[k] for k in ("result", "comment", "changes")}).replace(path, "@FILE@"))
        except Exception as e:  # pylint: disable=broad-except
            case["error"] = "%s: %s" % (type(e).__name__, str(e).replace(path, "@FILE@"))
        case["written"] = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                case["written"] = f.read()
        out.append(case)
    with open(os.path.join(HERE, "ini_states.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("%d cases, %d errors" % (len(out), sum("error" in c for c in out)), file=sys.stderr)


if __name__ == "__main__":
    main()
