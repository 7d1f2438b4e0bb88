#!/usr/bin/env python3
"""Run the ctest suite of a build under valgrind's memcheck, plus one short
training run and one eval run of the `siamese` program.

    python3 scripts/memcheck.py [BUILD] [-j N] [-R REGEX] [-E REGEX] [--no-opencl]

Every program of BUILD/bin that a test starts runs under memcheck, also when
a shell script starts it (cli_expect.sh, the kill and fault tests): such
arguments are replaced by a wrapper that execs valgrind on the program, so
that bash and coreutils are not what gets checked. Each process writes its
own log (BUILD/memcheck/<test>/<pid>.log); a test fails when it fails, or
when any log reports an error (invalid reads or writes, uses of
uninitialised values, bad frees, definite or indirect leaks).

OpenCL runs on whatever ICD is installed (PoCL here), with the suppressions
of scripts/valgrind-opencl.supp: the state LLVM keeps until exit after PoCL
compiles a kernel, and a loader over-read in glibc, nothing of ours.
--no-opencl hides the ICD instead (OCL_ICD_VENDORS names an empty folder):
the opencl backend then reports no device and the two tests that need one
are left out. Timeouts are multiplied by 40.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SUPPRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "valgrind-opencl.supp")
VALGRIND_OPTS = [
    "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
    "--show-leak-kinds=definite,indirect",
    "--errors-for-leak-kinds=definite,indirect",
    "--num-callers=30", "--child-silent-after-fork=yes",
    f"--suppressions={SUPPRESSIONS}",
]
NEEDS_OPENCL = {"test_opencl", "parity_train_cpu_opencl"}
TIMEOUT_FACTOR = 40


def ctest_tests(build):
    out = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"],
                         check=True, capture_output=True, text=True).stdout
    tests = []
    for t in json.loads(out)["tests"]:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        tests.append({
            "name": t["name"], "command": t["command"],
            "env": props.get("ENVIRONMENT", []),
            "cwd": props.get("WORKING_DIRECTORY", build),
            "timeout": props.get("TIMEOUT", 1500.0),
            "pass_regex": props.get("PASS_REGULAR_EXPRESSION"),
            "skip_rc": props.get("SKIP_RETURN_CODE"),
            "will_fail": props.get("WILL_FAIL", False),
            "setup": bool(props.get("FIXTURES_SETUP")),
        })
    return tests


def write_wrapper(folder, program, logdir_var):
    """A script that execs valgrind on PROGRAM, logging per pid into
    $logdir_var: the kill test's SIGKILL then reaches valgrind itself."""
    path = os.path.join(folder, os.path.basename(program))
    opts = " ".join(VALGRIND_OPTS)
    # A test that copies the program elsewhere (the trace test does, to take
    # it away from ../lib/siamese) copies this script: the copy then puts the
    # real program beside itself and runs that, so the move still counts.
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                f'prog="{program}"\n'
                f'if [ "$0" != "{path}" ]; then\n'
                f'    cp "$prog" "$0.real" || exit 1\n'
                f'    prog="$0.real"\n'
                f'fi\n'
                f'exec valgrind {opts} --log-file="${logdir_var}/%p.log" '
                f'"$prog" "$@"\n')
    os.chmod(path, 0o755)
    return path


def log_errors(logdir):
    """(log, summary line) for every log that reports errors."""
    bad = []
    for name in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, name), errors="replace") as f:
            text = f.read()
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        if m and int(m.group(1)) > 0:
            bad.append((os.path.join(logdir, name), m.group(0)))
    return bad


def run_one(t, bindir, wrappers, outdir, empty_icd):
    logdir = os.path.join(outdir, t["name"])
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    cmd = list(t["command"])
    if os.path.dirname(cmd[0]) == bindir:
        cmd = ["valgrind", *VALGRIND_OPTS,
               f"--log-file={logdir}/%p.log"] + cmd
    else:
        cmd = [wrappers.get(a, a) for a in cmd]
    env = dict(os.environ)
    env.update(e.split("=", 1) for e in t["env"])
    env["SIAMESE_MEMCHECK_LOGS"] = logdir
    if empty_icd:
        env["OCL_ICD_VENDORS"] = empty_icd
    timeout = t["timeout"] * TIMEOUT_FACTOR
    try:
        p = subprocess.run(cmd, cwd=t["cwd"], env=env, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace")
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        return t["name"], "TIMEOUT", f"after {timeout:.0f} s", []
    if t["skip_rc"] is not None and rc == t["skip_rc"]:
        return t["name"], "SKIP", "", []
    if t["pass_regex"]:
        ok = any(re.search(r, out) for r in t["pass_regex"])
    else:
        ok = (rc == 0) != bool(t["will_fail"])
    errors = log_errors(logdir)
    status = "ok" if ok and not errors else "FAIL"
    return t["name"], status, f"exit {rc}; {len(os.listdir(logdir))} " \
        "processes checked" + ("" if ok else "\n" + out[-3000:]), errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-R", help="only tests matching this regex")
    ap.add_argument("-E", help="leave out tests matching this regex")
    ap.add_argument("--no-opencl", action="store_true",
                    help="hide the OpenCL ICD; leave out the tests that need it")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("memcheck.py: valgrind not found (apt-get install valgrind)")
    build = os.path.abspath(args.build)
    bindir = os.path.join(build, "bin")
    outdir = os.path.join(build, "memcheck")
    os.makedirs(outdir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="siam-memcheck-")
    empty_icd = None
    if args.no_opencl:
        empty_icd = os.path.join(scratch, "no-icd")
        os.makedirs(empty_icd)
    wrapdir = os.path.join(scratch, "bin")
    os.makedirs(wrapdir)
    wrappers = {os.path.join(bindir, p): write_wrapper(
        wrapdir, os.path.join(bindir, p), "SIAMESE_MEMCHECK_LOGS")
        for p in ("siamese", "parity")}

    tests = [t for t in ctest_tests(build)
             if not (args.no_opencl and t["name"] in NEEDS_OPENCL)]
    siamese = os.path.join(bindir, "siamese")
    model = os.path.join(scratch, "tiny.safetensors")
    env = [f"SIAMESE_BACKEND_PATH={build}/lib/siamese"]
    tests.append({"name": "memcheck_train_then_eval", "command": [
        "/bin/sh", "-c",
        f'"$0" train --backend cpu --preset tiny --steps 40 --batch 8 '
        f'--val-trials 20 --out {model} && "$0" eval --backend cpu '
        f'--model {model} --trials 40 --way 5 --split test '
        f'--protocol within && "$0" eval --backend cpu --model {model}',
        siamese], "env": env, "cwd": scratch, "timeout": 120.0,
        "pass_regex": None, "skip_rc": None, "will_fail": False,
        "setup": False})
    if args.R:
        tests = [t for t in tests if re.search(args.R, t["name"])]
    if args.E:
        tests = [t for t in tests if not re.search(args.E, t["name"])]

    # Fixture set-ups (cli_fixtures_make) run first, alone, as ctest would
    # order them; the rest in parallel.
    failed = []
    setups = [t for t in tests if t["setup"]]
    with ThreadPoolExecutor(max_workers=args.j) as pool:
        jobs = [pool.submit(run_one, t, bindir, wrappers, outdir, empty_icd)
                for t in setups]
        for job in jobs:
            job.result()
        jobs = jobs + [pool.submit(run_one, t, bindir, wrappers, outdir,
                                   empty_icd)
                       for t in tests if not t["setup"]]
        for job in jobs:
            name, status, detail, errors = job.result()
            print(f"{status:7} {name}: {detail}", flush=True)
            for log, summary in errors:
                print(f"        {summary} in {log}", flush=True)
            if status not in ("ok", "SKIP"):
                failed.append(name)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"memcheck: {len(tests) - len(failed)} of {len(tests)} passed"
          + (f"; left out (need OpenCL): {', '.join(sorted(NEEDS_OPENCL))}"
             if args.no_opencl else "; OpenCL visible"))
    if failed:
        print("failed: " + " ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
