#!/usr/bin/env python3
"""Records Salt's behaviour for the ini states/functions and file.comment/uncomment/keyvalue.

Usage: record.py SALT_CALL [GROUP...]

Writes states.json (state groups) and exec.json (execution function calls) next to this
script. Each state group is one SLS of independent states, each on its own file in a fresh
sandbox, applied four times (test=True, real, real, test=True); after every run the
state returns (changes/comment/result) and every sandbox file (content and mode) are
recorded. Sandbox paths are replaced by @SANDBOX@. Python standard library only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

SEED_INI = """# top comment
top = 1
[DEFAULT]
shared = yes

[main]
; semicolon comment
alpha = 1
#beta = old
gamma=3
  continued line
delta : colon
strange line without sep

[main]
alpha = dup
[empty]
"""

PIP = "[global]\ntimeout = 15\nindex-url = https://old.example/simple\n\n[install]\nno-cache-dir = true\n"

SSHD = """# sample sshd
Port 22
#PermitRootLogin yes
PasswordAuthentication yes
  # indented comment
bind 127.0.0.1
X11Forwarding yes
"""

KV = """# settings
PermitRootLogin yes
#LoginGraceTime 2m
  MaxAuthTries 6
Banner none
banner none
UseDNS=no
"""

RUNS = [True, False, False, True]

STATE_GROUPS = {
    "ini_present_basic": {
        "seed": {"pip.ini": PIP, "seed.ini": SEED_INI},
        "states": [
            ("new", "ini.options_present", {"name": "new/pip.conf", "sections": {
                "global": {"index-url": "https://m/simple", "timeout": 60}}}),
            ("new-top", "ini.options_present", {"name": "top.ini", "sections": {
                "opt1": "v1", "sec": {"k": "v"}, "opt2": 2}}),
            ("update", "ini.options_present", {"name": "pip.ini", "separator": "=", "sections": {
                "global": {"index-url": "https://new/simple"}, "search": {"index": "x"}}}),
            ("seed", "ini.options_present", {"name": "seed.ini", "sections": {
                "top": "2", "newtop": "n", "main": {"beta": "new", "alpha": "1", "epsilon": "e"},
                "DEFAULT": {"shared": "no"}, "empty": {}}}),
            ("types", "ini.options_present", {"name": "types.ini", "sections": {
                "s": {"int": 5, "bool": True, "float": 1.5, "none": None, "list": [1, "a"], "str": "x y"}}}),
            ("emptysec", "ini.options_present", {"name": "emptysec.ini", "sections": {"only": {}}}),
            ("nosections", "ini.options_present", {"name": "nosec.ini"}),
        ],
    },
    "ini_present_strict": {
        "seed": {"seed.ini": SEED_INI, "pip.ini": PIP},
        "states": [
            ("strict-seed", "ini.options_present", {"name": "seed.ini", "strict": True, "sections": {
                "top": "1", "main": {"alpha": "dup", "gamma": "3"}}}),
            ("strict-pip", "ini.options_present", {"name": "pip.ini", "strict": True, "sections": {
                "global": {"timeout": "15"}}}),
        ],
    },
    "ini_present_separators": {
        "seed": {"colon.ini": "[s]\na: 1\nb:2\n", "space.ini": "[s]\na 1\n", "ns.ini": "[s]\na = 1\n"},
        "states": [
            ("colon", "ini.options_present", {"name": "colon.ini", "separator": ":", "sections": {
                "s": {"a": "1", "c": "3"}}}),
            ("space", "ini.options_present", {"name": "space.ini", "separator": " ", "sections": {
                "s": {"a": "2", "b": "3"}}}),
            ("nospaces", "ini.options_present", {"name": "ns.ini", "no_spaces": True, "sections": {
                "s": {"b": "2"}}}),
        ],
    },
    "ini_absent": {
        "seed": {"a.ini": SEED_INI, "b.ini": PIP, "c.ini": PIP, "d.ini": SEED_INI},
        "states": [
            ("opts", "ini.options_absent", {"name": "a.ini", "sections": {
                "main": ["alpha", "nokey"], "DEFAULT": ["shared"], "nosec": ["x"]}}),
            ("top", "ini.options_absent", {"name": "d.ini", "sections": {"top": "x"}}),
            ("secs", "ini.sections_absent", {"name": "b.ini", "sections": ["install", "nosuch"]}),
            ("secs-dict", "ini.sections_absent", {"name": "c.ini", "sections": {"global": None}}),
            ("missing-file", "ini.sections_absent", {"name": "missing.ini", "sections": ["x"]}),
        ],
    },
    "ini_sections_present_test": {
        "seed": {"a.ini": PIP},
        "runs": [True],
        "states": [
            ("secs", "ini.sections_present", {"name": "a.ini", "sections": ["global", "newsec"]}),
            ("secs-dict", "ini.sections_present", {"name": "a.ini", "sections": {"install": {}}}),
        ],
    },
    "ini_present_edge": {
        "seed": {
            "crlf.ini": "\r\n\r\ntop=1\r\n  [ sec ]  \r\n\r\nk = v\r\nk = w\r\n;k2 = old\r\n# k3 = old\r\n\r\n\r\n[other]\r\nx=1",
            "strict.ini": "a = 1\nb = 2\n[s]\nk = v\n",
            "err.ini": "[error]\nk = v\n",
            "flip.ini": "sec = flat\n[real]\nx = 1\n",
            "tab.ini": "[s]\na\t1\n",
        },
        "states": [
            ("crlf", "ini.options_present", {"name": "crlf.ini", "sections": {
                " sec ": {"k": "z", "k2": "new", "k3": "new"}, "other": {"x": "1"}}}),
            ("strict-top", "ini.options_present", {"name": "strict.ini", "strict": True, "sections": {
                "a": "1", "s": {"k": "v"}}}),
            ("error-section", "ini.options_present", {"name": "err.ini", "sections": {"error": {"k": "w"}}}),
            ("flip", "ini.options_present", {"name": "flip.ini", "sections": {"sec": {"a": "b"}}}),
            ("nested", "ini.options_present", {"name": "nested.ini", "sections": {
                "s": {"k": "v", "sub": {"a": 1}}}}),
            ("tab", "ini.options_present", {"name": "tab.ini", "separator": "\t", "sections": {
                "s": {"a": "1", "b": "2", "c": "3"}}}),
        ],
    },
    "ini_absent_edge": {
        "seed": {"a.ini": "top = 1\nother = 2\n[s]\nk = v\nj = w\n[t]\n", "b.ini": "[s]\nk = v\n"},
        "states": [
            ("flat", "ini.options_absent", {"name": "a.ini", "sections": {"top": None, "s": ["k"]}}),
            ("whole-empty", "ini.sections_absent", {"name": "a.ini", "sections": ["t"]}),
            ("string", "ini.sections_absent", {"name": "b.ini", "sections": "s"}),
        ],
    },
    "file_edge": {
        "seed": {"a": "x=1\ny=2", "b": "// foo = 1\nbar = 2\n", "c": "FOO=1\n", "d": ";k = 1\n;;k = 2\n",
                 "e": "Key = 1\n# Key = 2\n#Key = 3\n"},
        "states": [
            ("noeol", "file.keyvalue", {"name": "a", "key": "z", "value": "3", "append_if_not_found": True}),
            ("multisep", "file.keyvalue", {"name": "b", "key": "bar", "value": "3", "separator": " = "}),
            ("slashes", "file.comment", {"name": "b", "regex": "^bar = 3$", "char": "//"}),
            ("icase", "file.comment", {"name": "c", "regex": "(?i)^foo"}),
            ("semi", "file.uncomment", {"name": "d", "regex": "k = ", "char": ";", "backup": False}),
            ("uncomment-count", "file.keyvalue", {"name": "e", "key": "Key", "value": "9", "separator": " = ",
                                                  "uncomment": "# ", "count": 2}),
        ],
    },
    "file_comment": {
        "seed": {"a.conf": SSHD, "b.conf": SSHD, "c.conf": SSHD, "d.conf": SSHD, "e.conf": SSHD},
        "states": [
            ("bind", "file.comment", {"name": "a.conf", "regex": "^bind 127.0.0.1"}),
            ("anchored", "file.comment", {"name": "b.conf", "regex": "^X11Forwarding yes$", "char": ";", "backup": False}),
            ("missing", "file.comment", {"name": "c.conf", "regex": "^nothere"}),
            ("ignore", "file.comment", {"name": "c.conf", "regex": "^nothere", "ignore_missing": True}),
            ("already", "file.comment", {"name": "c.conf", "regex": "^PermitRootLogin"}),
            ("indented", "file.comment", {"name": "d.conf", "regex": "# indented"}),
            ("multi", "file.comment", {"name": "e.conf", "regex": "^(Port|Pass)"}),
            ("nofile", "file.comment", {"name": "nofile.conf", "regex": "^x"}),
        ],
    },
    "file_uncomment": {
        "seed": {"a.conf": SSHD, "b.conf": SSHD, "c.conf": SSHD},
        "states": [
            ("root", "file.uncomment", {"name": "a.conf", "regex": "^PermitRootLogin"}),
            ("already", "file.uncomment", {"name": "b.conf", "regex": "Port"}),
            ("missing", "file.uncomment", {"name": "b.conf", "regex": "nothere"}),
            ("indented", "file.uncomment", {"name": "c.conf", "regex": "indented", "backup": ".orig"}),
        ],
    },
    "file_keyvalue": {
        "seed": {n: KV for n in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")},
        "states": [
            ("single", "file.keyvalue", {"name": "a", "key": "PermitRootLogin", "value": "no", "separator": " "}),
            ("multi", "file.keyvalue", {"name": "b", "separator": " ", "key_values": {
                "permitrootlogin": "without-password", "LoginGraceTime": "1m", "DisableForwarding": "yes"},
                "uncomment": "# ", "key_ignore_case": True, "append_if_not_found": True}),
            ("prepend", "file.keyvalue", {"name": "c", "separator": "=", "key": "New", "value": 3,
                                          "prepend_if_not_found": True}),
            ("count-all", "file.keyvalue", {"name": "d", "separator": " ", "key": "Banner", "value": "/etc/issue",
                                            "count": -1, "key_ignore_case": True}),
            ("count-zero", "file.keyvalue", {"name": "e", "separator": " ", "key": "Banner", "value": "x",
                                             "count": 0, "key_ignore_case": True}),
            ("dups", "file.keyvalue", {"name": "f", "separator": " ", "key": "banner", "value": "none",
                                       "key_ignore_case": True}),
            ("valuecase", "file.keyvalue", {"name": "g", "separator": " ", "key": "PermitRootLogin", "value": "YES",
                                            "value_ignore_case": True}),
            ("indent-none", "file.keyvalue", {"name": "h", "separator": " ", "key": "MaxAuthTries", "value": 3}),
            ("noshow", "file.keyvalue", {"name": "i", "separator": "=", "key": "UseDNS", "value": "yes",
                                         "show_changes": False}),
            ("create", "file.keyvalue", {"name": "new.conf", "key": "a", "value": "b", "create_if_missing": True}),
            ("missing", "file.keyvalue", {"name": "nofile", "key": "a", "value": "b"}),
            ("missing-ok", "file.keyvalue", {"name": "nofile", "key": "a", "value": "b", "ignore_if_missing": True}),
            ("combine", "file.keyvalue", {"name": "j", "key": "a", "value": "b", "key_values": {"c": "d"}}),
            ("empty", "file.keyvalue", {"name": "j"}),
            ("notdict", "file.keyvalue", {"name": "j", "key_values": ["a"]}),
        ],
    },
}

EXEC_SEED = {"a.ini": SEED_INI, "pip.ini": PIP}

# (fun, args, kwargs); "@SANDBOX@" in args is replaced. Each call runs on a fresh sandbox.
EXEC_CALLS = [
    ("ini.get_ini", ["@SANDBOX@/a.ini"], {}),
    ("ini.get_ini", ["@SANDBOX@/missing.ini"], {}),
    ("ini.get_section", ["@SANDBOX@/a.ini", "main"], {}),
    ("ini.get_section", ["@SANDBOX@/a.ini", "nosuch"], {}),
    ("ini.get_option", ["@SANDBOX@/a.ini", "main", "alpha"], {}),
    ("ini.get_option", ["@SANDBOX@/a.ini", "", "top"], {}),
    ("ini.get_option", ["@SANDBOX@/a.ini", "main", "nokey"], {}),
    ("ini.get_option", ["@SANDBOX@/a.ini", "main", "delta"], {"separator": ":"}),
    ("ini.set_option", ["@SANDBOX@/pip.ini", {"global": {"timeout": 30, "new": "x"}, "extra": {"k": "v"}}], {}),
    ("ini.set_option", ["@SANDBOX@/created.ini", {"s": {"k": "v"}}], {"no_spaces": True}),
    ("ini.remove_option", ["@SANDBOX@/a.ini", "main", "gamma"], {}),
    ("ini.remove_option", ["@SANDBOX@/a.ini", "", "top"], {}),
    ("ini.remove_option", ["@SANDBOX@/a.ini", "main", "nokey"], {}),
    ("ini.remove_section", ["@SANDBOX@/pip.ini", "install"], {}),
    ("ini.remove_section", ["@SANDBOX@/pip.ini", "nosuch"], {}),
]


def write_conf(tmp, salt_dir):
    conf = os.path.join(tmp, "conf")
    os.makedirs(conf, exist_ok=True)
    cfg = {
        "file_client": "local",
        "root_dir": os.path.join(tmp, "root"),
        "file_roots": {"base": [salt_dir]},
        "pillar_roots": {"base": [os.path.join(tmp, "pillar")]},
        "id": "web1",
        "enable_fqdns_grains": False,
        "grains": {"sandbox": os.path.join(tmp, "sandbox")},
    }
    with open(os.path.join(conf, "minion"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    return conf


def seed(sandbox, files):
    for rel, content in files.items():
        p = os.path.join(sandbox, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(content)


def snapshot(sandbox):
    out = {}
    for dirpath, _dirs, files in os.walk(sandbox):
        for fn in files:
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, sandbox)
            with open(p, "rb") as f:
                data = f.read()
            out[rel] = {"content": data.decode("utf-8", "replace"),
                        "mode": "%04o" % (os.stat(p).st_mode & 0o7777)}
    return dict(sorted(out.items()))


def subst(obj, old, new):
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [subst(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {subst(k, old, new): subst(v, old, new) for k, v in obj.items()}
    return obj


def run(argv, sandbox):
    env = dict(os.environ)
    env.setdefault("LC_ALL", "C.UTF-8")
    p = subprocess.run(argv, cwd=sandbox, env=env, capture_output=True, timeout=300)
    try:
        return p.returncode, json.loads(p.stdout.decode())
    except ValueError:
        return p.returncode, {"stdout": p.stdout.decode(), "stderr": p.stderr.decode()[-2000:]}


def record_group(salt_call, name, group):
    tmp = tempfile.mkdtemp(prefix="ini-rec-")
    try:
        sandbox = os.path.join(tmp, "sandbox")
        salt_dir = os.path.join(tmp, "salt")
        os.makedirs(sandbox)
        os.makedirs(salt_dir)
        seed(sandbox, group.get("seed", {}))
        conf = write_conf(tmp, salt_dir)
        sls = {}
        for sid, fun, args in group["states"]:
            args = dict(args)
            args["name"] = os.path.join(sandbox, args["name"])
            sls[sid] = {fun: [{k: v} for k, v in args.items()]}
        with open(os.path.join(salt_dir, "g.sls"), "w", encoding="utf-8") as f:
            json.dump(sls, f, indent=1)
        runs = []
        for test in group.get("runs", RUNS):
            argv = [salt_call, "--local", "-c", conf, "--out=json", "state.apply", "g"]
            if test:
                argv.append("test=True")
            rc, out = run(argv, sandbox)
            results = {}
            for key, r in (out.get("local") or {}).items() if isinstance(out.get("local"), dict) else []:
                sid = r.get("__id__")
                results[sid] = {k: r.get(k) for k in ("changes", "comment", "result")}
            if not results:
                results = {"<error>": out}
            runs.append({"test": test, "rc": rc, "results": subst(results, sandbox, "@SANDBOX@"),
                         "files": subst(snapshot(sandbox), sandbox, "@SANDBOX@")})
        return {"seed": group.get("seed", {}),
                "states": [{"id": s, "fun": f, "args": a} for s, f, a in group["states"]],
                "runs": runs}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def record_exec(salt_call):
    out = []
    for fun, args, kwargs in EXEC_CALLS:
        tmp = tempfile.mkdtemp(prefix="ini-rec-")
        try:
            sandbox = os.path.join(tmp, "sandbox")
            os.makedirs(sandbox)
            seed(sandbox, EXEC_SEED)
            conf = write_conf(tmp, os.path.join(tmp, "salt"))
            argv = [salt_call, "--local", "-c", conf, "--out=json", fun]
            for a in subst(args, "@SANDBOX@", sandbox):
                argv.append(a if isinstance(a, str) else json.dumps(a))
            for k, v in kwargs.items():
                argv.append("%s=%s" % (k, v if isinstance(v, str) else json.dumps(v)))
            rc, res = run(argv, sandbox)
            out.append({"fun": fun, "args": args, "kwargs": kwargs, "rc": rc,
                        "return": subst(res.get("local", res), sandbox, "@SANDBOX@"),
                        "files": subst(snapshot(sandbox), sandbox, "@SANDBOX@")})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"seed": EXEC_SEED, "calls": out}


def main():
    os.umask(0o022)
    salt_call = sys.argv[1]
    only = sys.argv[2:]
    path = os.path.join(HERE, "states.json")
    data = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    for name, group in STATE_GROUPS.items():
        if only and name not in only:
            continue
        print("recording", name, file=sys.stderr)
        data[name] = record_group(salt_call, name, group)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    if not only or "exec" in only:
        print("recording exec", file=sys.stderr)
        with open(os.path.join(HERE, "exec.json"), "w", encoding="utf-8") as f:
            json.dump(record_exec(salt_call), f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
