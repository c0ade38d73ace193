#!/usr/bin/env python3
"""record.py [--venv DIR | --salt-call PATH] [--cases DIR] [-j N] [CASE...]

Record the expected outputs of rsalt's conformance cases from the reference
implementation, Salt 3007.8 (the "oracle"), for the Rust runner
(`cargo xtask conformance`) to compare against.  Per case folder it writes:

  case.json              case.yaml parsed (the runner reads this; no YAML in Rust)
  expected/NN.json       normalised JSON output of call NN (out: json, the default)
  expected/NN.txt        normalised stdout of call NN for a text `out:`
  expected/NN.rc         exit status of call NN
  expected/sandbox.json  the sandbox tree after the last call

The oracle: --salt-call PATH uses an existing salt-call.  Otherwise a venv at
--venv DIR (default $RSALT_ORACLE_VENV, else <repo>/target/salt-oracle) is
used, created first when it has no working Salt 3007.8: `python -m venv` with
$PYTHON (default python3.11 if present, else python3), then
`pip install -r oracle-requirements.txt` (Salt and every dependency pinned;
`pip install salt` alone does not pull them all).

Needs PyYAML to read case.yaml: without it, re-runs itself under the oracle's
python (the Salt venv has it).  See tests/README.md for the case format.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIREMENTS = os.path.join(HERE, "oracle-requirements.txt")
ORACLE_VERSION = "3007.8"
sys.dont_write_bytecode = True

# ------------------------------------------------------------------ format

BASE_GRAINS = {
    "os": "Debian", "os_family": "Debian", "osrelease": "12", "osmajorrelease": 12,
    "oscodename": "bookworm", "osfinger": "Debian-12", "kernel": "Linux",
    "cpuarch": "x86_64", "num_cpus": 4, "mem_total": 7936, "host": "web1",
    "nodename": "web1", "domain": "example.com", "fqdn": "web1.example.com",
    "role": "api", "roles": ["web", "api"], "datacenter": "dc1",
}
DEFAULT_ID = "web1"
CALL_TIMEOUT = 180
CASE_KEYS = {"description", "area", "grains", "minion", "calls", "notes"}
CALL_KEYS = {"fun", "args", "kwargs", "out", "flags"}
OUTPUTTERS = {"json", "highstate", "yaml", "nested", "txt", "raw", "quiet", "pprint"}
# Must stay equal to FLAG_PATTERNS in tests/harness/case.rs.
FLAGS = [re.compile(p) for p in (
    r"--state-output=(full|terse|mixed|changes)(_id)?",
    r"--state-verbose=(True|False)",
    r"--output-diff",
    r"--out-indent=-?[0-9]+",
    r"--no-color",
    r"--retcode-passthrough",
)]
DROP_KEYS = ("start_time", "duration", "pid")
APPLY_FUNS = {"state.apply", "state.sls", "state.highstate", "state.single",
              "state.top", "state.sls_id"}

# Text outputs: after the path placeholders only these values are replaced.
_N = r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_T = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
_V = "(?:%s|%s)" % (_T, _N)
_PH = {"pid": "@PID@", "duration": "@MS@", "start_time": "@TIME@"}
TEXT_RULES = [
    (r"(Started: )" + _T, lambda m: m.group(1) + "@TIME@"),
    (r"(Duration: )" + _N + " ms", lambda m: m.group(1) + "@MS@ ms"),
    (r"Total run time: +" + _N + r" m?s\b", lambda m: "Total run time: @RUNTIME@"),
    (r"(" + _T + r" )?\[ *" + _N + r" ms\]",
     lambda m: ("@TIME@ " if m.group(1) else "") + "[@MS@ ms]"),
    (r"(?m)^( *(?:- )?)(pid|duration|start_time):\n( +)" + _V + "$",
     lambda m: "%s%s:\n%s%s" % (m.group(1), m.group(2), m.group(3), _PH[m.group(2)])),
    (r"(?m)^( *(?:- )?)(pid|duration|start_time): ('?)" + _V + r"\3$",
     lambda m: "%s%s: %s%s%s" % (m.group(1), m.group(2), m.group(3), _PH[m.group(2)], m.group(3))),
    (r"(['\"])(pid|duration|start_time)\1: (['\"]?)" + _V + r"\3",
     lambda m: "%s%s%s: %s%s%s" % (m.group(1), m.group(2), m.group(1), m.group(3),
                                   _PH[m.group(2)], m.group(3))),
]
TEXT_RULES = [(re.compile(p), f) for p, f in TEXT_RULES]


def validate_case(case):
    if not isinstance(case, dict):
        raise ValueError("case.yaml is not a mapping")
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise ValueError("unknown case keys: %s" % sorted(unknown))
    for key in ("description", "area"):
        if not case.get(key):
            raise ValueError("case.yaml needs %r" % key)
    if not case.get("calls"):
        raise ValueError("case.yaml has no calls")
    for c in case["calls"]:
        if not isinstance(c, dict) or not isinstance(c.get("fun"), str) or set(c) - CALL_KEYS:
            raise ValueError("bad call: %r" % (c,))
        if c.get("out", "json") not in OUTPUTTERS:
            raise ValueError("call %s: outputter %r not allowed" % (c["fun"], c.get("out")))
        flags = c.get("flags", [])
        if not isinstance(flags, list):
            raise ValueError("call %s: flags is not a list" % c["fun"])
        for f in flags:
            if not isinstance(f, str) or not any(r.fullmatch(f) for r in FLAGS):
                raise ValueError("call %s: flag %r not allowed" % (c["fun"], f))


def cli_value(v):
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True)


def with_sandbox(v, path):
    if isinstance(v, str):
        return v.replace("@SANDBOX@", path)
    if isinstance(v, list):
        return [with_sandbox(x, path) for x in v]
    if isinstance(v, dict):
        return {k: with_sandbox(x, path) for k, x in v.items()}
    return v


def with_case(v, path):
    if isinstance(v, str):
        return v.replace("@CASE@", path)
    if isinstance(v, list):
        return [with_case(x, path) for x in v]
    if isinstance(v, dict):
        return {k: with_case(x, path) for k, x in v.items()}
    return v


def copy_seed(src, dst):
    """Copy a sandbox seed: links as links; modes as a git checkout under umask
    022 gives them (dirs 0755, files 0755 with any x bit, else 0644)."""
    os.mkdir(dst)
    for name in sorted(os.listdir(src)):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        st = os.lstat(s)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISDIR(st.st_mode):
            copy_seed(s, d)
        else:
            shutil.copyfile(s, d)
            os.chmod(d, 0o755 if st.st_mode & 0o111 else 0o644)
    os.chmod(dst, 0o755)


class Run:
    """One case's temp tree: conf/minion, root/ (root_dir), sandbox/ (cwd)."""

    def __init__(self, case_dir, case):
        self.case_dir = os.path.abspath(case_dir)
        self.tmp = tempfile.mkdtemp(prefix="rsalt-conf-")
        self.conf, self.root, self.sandbox = (
            os.path.join(self.tmp, d) for d in ("conf", "root", "sandbox"))
        os.mkdir(self.conf)
        os.mkdir(self.root)
        seed = os.path.join(self.case_dir, "sandbox")
        if os.path.isdir(seed):
            copy_seed(seed, self.sandbox)
        else:
            os.mkdir(self.sandbox, 0o755)
        grains = dict(BASE_GRAINS)
        grains.update(case.get("grains") or {})
        minion_id = grains.pop("id", DEFAULT_ID)
        grains["sandbox"] = self.sandbox
        config = {
            "file_client": "local",
            "root_dir": self.root,
            "file_roots": {"base": [os.path.join(self.case_dir, "salt")]},
            "pillar_roots": {"base": [os.path.join(self.case_dir, "pillar")]},
            "id": minion_id,
            "grains": grains,
            "enable_fqdns_grains": False,
        }
        # ours: @CASE@ / @SANDBOX@ in minion values (e.g. extra file_roots envs)
        config.update(with_sandbox(with_case(case.get("minion") or {}, self.case_dir),
                                   self.sandbox))
        with open(os.path.join(self.conf, "minion"), "w", encoding="utf-8") as f:
            f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
        self.placeholders = [(self.sandbox, "@SANDBOX@"), (self.root, "@ROOT@"),
                             (self.conf, "@CONF@"), (self.tmp, "@TMP@"),
                             (self.case_dir, "@CASE@")]

    def argv(self, salt_call, call):
        out = call.get("out", "json")
        flags = list(call.get("flags", []))
        argv = [salt_call, "-c", self.conf, "--local", "--out=" + out]
        if out != "json" and "--no-color" not in flags:
            argv.append("--no-color")
        argv += flags + [call["fun"]]
        argv += [cli_value(with_sandbox(a, self.sandbox)) for a in call.get("args") or []]
        argv += ["%s=%s" % (k, cli_value(with_sandbox(v, self.sandbox)))
                 for k, v in (call.get("kwargs") or {}).items()]
        return argv

    def paths(self, s):
        for path, ph in self.placeholders:
            s = s.replace(path, ph)
        return s

    def norm(self, v):
        if isinstance(v, dict):
            return {self.paths(k): self.norm(x) for k, x in v.items() if k not in DROP_KEYS}
        if isinstance(v, list):
            return [self.norm(x) for x in v]
        return self.paths(v) if isinstance(v, str) else v

    def norm_text(self, s):
        s = self.paths(s)
        for rx, fn in TEXT_RULES:
            s = rx.sub(fn, s)
        return s

    def tree(self):
        snap = {}
        for top, dirs, files in os.walk(self.sandbox):
            for name in dirs + files:
                full = os.path.join(top, name)
                st = os.lstat(full)
                mode = "%04o" % stat.S_IMODE(st.st_mode)
                if stat.S_ISLNK(st.st_mode):
                    entry = {"type": "link", "target": os.readlink(full)}
                elif stat.S_ISDIR(st.st_mode):
                    entry = {"type": "dir", "mode": mode}
                elif stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as f:
                        data = f.read(65536)
                    try:
                        text = data.decode("utf-8")
                    except UnicodeDecodeError:
                        text = "<binary %d bytes>" % st.st_size
                    entry = {"type": "file", "mode": mode, "content": text}
                else:
                    entry = {"type": "other"}
                snap[os.path.relpath(full, self.sandbox)] = entry
        return self.norm(snap)


def dump(obj):
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def record_case(salt_call, case_dir):
    """Run a case with the oracle and rewrite case.json and expected/; returns a summary."""
    import yaml  # only the oracle's python is guaranteed to have it
    with open(os.path.join(case_dir, "case.yaml"), encoding="utf-8") as f:
        case = yaml.safe_load(f)
    validate_case(case)
    run = Run(case_dir, case)
    env = dict(os.environ)
    env.setdefault("LC_ALL", "C.UTF-8")
    outputs = []
    try:
        for i, call in enumerate(case["calls"], 1):
            argv = run.argv(salt_call, call)
            p = subprocess.run(argv, cwd=run.sandbox, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=CALL_TIMEOUT)
            stdout = p.stdout.decode("utf-8", "replace")
            if call.get("out", "json") != "json":
                outputs.append((i, call, p.returncode, "txt", run.norm_text(stdout)))
                continue
            try:
                data = run.norm(json.loads(stdout)) if stdout.strip() else None
            except ValueError as e:
                raise RuntimeError("call %02d %s: output is not JSON (%s)\nstdout: %s\nstderr: %s" % (
                    i, call["fun"], e, stdout[-2000:], p.stderr.decode("utf-8", "replace")[-2000:]))
            outputs.append((i, call, p.returncode, "json", data))
        tree = run.tree()
    finally:
        shutil.rmtree(run.tmp, ignore_errors=True)
    # Write only after every call succeeded, so a failed recording leaves the old one.
    with open(os.path.join(case_dir, "case.json"), "w", encoding="utf-8") as f:
        f.write(dump(case))
    exp = os.path.join(case_dir, "expected")
    shutil.rmtree(exp, ignore_errors=True)
    os.mkdir(exp)
    notes = []
    for i, call, rc, kind, data in outputs:
        with open(os.path.join(exp, "%02d.rc" % i), "w") as f:
            f.write("%d\n" % rc)
        if kind == "txt":
            with open(os.path.join(exp, "%02d.txt" % i), "w", encoding="utf-8", newline="") as f:
                f.write(data)
            notes.append("%02d %s --out=%s rc=%d" % (i, call["fun"], call["out"], rc))
            continue
        with open(os.path.join(exp, "%02d.json" % i), "w", encoding="utf-8") as f:
            f.write(dump(data))
        ret = data.get("local") if isinstance(data, dict) else None
        if call["fun"] in APPLY_FUNS and isinstance(ret, dict):
            states = [v for v in ret.values() if isinstance(v, dict)]
            notes.append("%02d %s rc=%d states=%d changed=%d failed=%d" % (
                i, call["fun"], rc, len(states), sum(1 for v in states if v.get("changes")),
                sum(1 for v in states if v.get("result") is False)))
        else:
            notes.append("%02d %s rc=%d" % (i, call["fun"], rc))
    with open(os.path.join(exp, "sandbox.json"), "w", encoding="utf-8") as f:
        f.write(dump(tree))
    notes.append("sandbox %d entries" % len(tree))
    return "; ".join(notes)


# ------------------------------------------------------------------ oracle

def oracle_ok(salt_call):
    try:
        p = subprocess.run([salt_call, "--version"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    # "salt-call 3007.8 (Chlorine)"
    words = p.stdout.decode("utf-8", "replace").split()
    return p.returncode == 0 and words[1:2] == [ORACLE_VERSION]


def install_oracle(venv):
    """Create VENV with exactly the pinned Salt requirements (idempotent)."""
    salt_call = os.path.join(venv, "bin", "salt-call")
    if oracle_ok(salt_call):
        return salt_call
    if os.path.exists(salt_call):
        sys.exit("%s exists but is not a working Salt %s; not touching it (remove %s to reinstall)"
                 % (salt_call, ORACLE_VERSION, venv))
    py = os.environ.get("PYTHON") or (shutil.which("python3.11") and "python3.11") or "python3"
    print("installing Salt %s into %s (with %s)" % (ORACLE_VERSION, venv, py), flush=True)
    subprocess.run([py, "-m", "venv", venv], check=True)
    vpy = os.path.join(venv, "bin", "python")
    subprocess.run([vpy, "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([vpy, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], check=True)
    if not oracle_ok(salt_call):
        sys.exit("%s does not report Salt %s after installation" % (salt_call, ORACLE_VERSION))
    return salt_call


def select(cases_dir, wanted):
    names = sorted(d for d in os.listdir(cases_dir)
                   if not d.startswith(".") and os.path.isdir(os.path.join(cases_dir, d)))
    if not wanted:
        return names
    picked = []
    for w in wanted:
        w = os.path.basename(w.rstrip("/"))
        hits = [n for n in names if n == w or n.split("-", 1)[0] == w or n.startswith(w + "-")]
        if not hits:
            sys.exit("no such case: %s" % w)
        picked += [h for h in hits if h not in picked]
    return picked


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", default=os.environ.get("RSALT_ORACLE_VENV")
                    or os.path.join(REPO, "target", "salt-oracle"))
    ap.add_argument("--salt-call", help="use this salt-call instead of the venv")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("case", nargs="*")
    opts = ap.parse_args()

    if opts.salt_call:
        salt_call = os.path.abspath(opts.salt_call)
        if not oracle_ok(salt_call):
            sys.exit("%s is not a working Salt %s" % (salt_call, ORACLE_VERSION))
    else:
        salt_call = install_oracle(os.path.abspath(opts.venv))
    try:
        import yaml  # noqa: F401
    except ImportError:
        py = os.path.join(os.path.dirname(salt_call), "python")
        if os.path.realpath(py) == os.path.realpath(sys.executable):
            sys.exit("record.py needs PyYAML")
        os.execv(py, [py, os.path.abspath(__file__), "--salt-call", salt_call,
                      "--cases", os.path.abspath(opts.cases), "-j", str(opts.jobs)] + opts.case)

    os.umask(0o022)
    names = select(opts.cases, opts.case)
    t0 = time.time()
    errors = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futs = {pool.submit(record_case, salt_call, os.path.join(opts.cases, n)): n for n in names}
        for fut in concurrent.futures.as_completed(futs):
            try:
                print("recorded %s: %s" % (futs[fut], fut.result()), flush=True)
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                errors += 1
                print("ERROR %s: %s" % (futs[fut], e), flush=True)
    print("%d recorded, %d errors in %.0fs" % (len(names) - errors, errors, time.time() - t0))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
