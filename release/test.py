#!/usr/bin/env python3
"""The release suite: builds every artifact with release/build.sh, checks what is inside each
(license files, metadata, tags), then installs each into a fresh environment without network
and uses it there, away from the source tree:

- the wheel into a fresh venv (test dependencies from a wheelhouse downloaded beforehand), and
  the Python suite (python/tests) run against it; the sdist built into a wheel offline;
- the npm tarballs into a fresh npm project, used from CommonJS, ESM and TypeScript (tsc --strict);
- the CLI with `cargo install --locked --offline` from the packaged crates, through a fresh
  CARGO_HOME whose crates.io is a directory of the packaged and vendored crates;
- the C tarball unpacked anywhere, examples/c/sign.c built against it with pkg-config.

Expected tokens come from tests/vectors/sign.json (written from hashlib by generate.py), never
from the code under test. Ends with "release: N passed, N failed".
Usage: python3 release/test.py [OUTDIR]   (default target/release-artifacts, emptied first)
"""
from __future__ import annotations

import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
TOOLS = TARGET / "release-tools"
WHEELHOUSE = TARGET / "release-wheelhouse"
WS = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]
VERSION = WS["version"]
REPO = WS["repository"]
LICENSES = ("LICENSE-MIT", "LICENSE-APACHE")
VECTORS = [
    c
    for c in json.loads((ROOT / "tests/vectors/sign.json").read_text())["cases"]
    if c["kind"] == "file" and c["expires"] and c["url"].startswith("http") and not c["ttl"]
    and not c["speed"] and not c["buffer"]
][:6]
assert VECTORS, "no file-token vectors found"

passed = failed = 0


def ok(name: str) -> None:
    global passed
    passed += 1
    print(f"ok - {name}", flush=True)


def not_ok(name: str, why: str = "") -> None:
    global failed
    failed += 1
    print(f"FAIL - {name}" + (f": {why}" if why else ""), flush=True)


def check(name: str, cond: bool, why: str = "") -> bool:
    (ok if cond else lambda n: not_ok(n, why))(name)
    return cond


def run(cmd, *, cwd=None, env=None, check_rc=True, capture=True, input=None):
    """Runs cmd; returns CompletedProcess (text). Output is shown when it fails."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=full_env, text=True, input=input,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
    )
    if check_rc and p.returncode != 0:
        if capture:
            print(p.stdout[-6000:])
        raise subprocess.CalledProcessError(p.returncode, cmd, p.stdout)
    return p


def step(name: str, fn) -> bool:
    """Runs fn (which raises on failure) as one counted check."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any failure of the step is this check's failure
        not_ok(name, f"{type(e).__name__}: {e}"[:2000])
        return False
    ok(name)
    return True


OFFLINE = {
    "PIP_NO_INDEX": "1",
    "CARGO_NET_OFFLINE": "true",
    "npm_config_offline": "true",
    "npm_config_audit": "false",
    "npm_config_fund": "false",
    "npm_config_update_notifier": "false",
}


# ---------------------------------------------------------------- metadata that must agree
def check_metadata() -> None:
    py = tomllib.loads((ROOT / "python/pyproject.toml").read_text())["project"]
    urls = py.get("urls", {})
    check("pyproject [project.urls] Repository/Homepage = [workspace.package] repository",
          urls.get("Repository") == REPO and urls.get("Homepage") == WS["homepage"], str(urls))
    check("pyproject license and license-files", py.get("license") == WS["license"]
          and sorted(py.get("license-files", [])) == sorted(LICENSES), str(py.get("license-files")))
    pkg = json.loads((ROOT / "node/package.json").read_text())
    repo = pkg.get("repository", {})
    repo_url = repo.get("url", "") if isinstance(repo, dict) else repo
    check("node/package.json repository, homepage, license, version agree with Cargo.toml",
          repo_url in (REPO, f"git+{REPO}.git") and pkg.get("homepage", "").startswith(WS["homepage"])
          and pkg.get("license") == WS["license"] and pkg.get("version") == VERSION,
          f"{repo_url} {pkg.get('homepage')} {pkg.get('license')} {pkg.get('version')}")
    comp = json.loads((ROOT / "php/composer.json").read_text())
    check("php/composer.json homepage, support.source, license, version agree with Cargo.toml",
          comp.get("homepage") == WS["homepage"] and comp.get("support", {}).get("source") == REPO
          and sorted(comp.get("license", [])) == ["Apache-2.0", "MIT"]
          and comp.get("version", VERSION) == VERSION,
          f"{comp.get('homepage')} {comp.get('support')}")
    for crate in ("core", "cli"):
        text = (ROOT / crate / "Cargo.toml").read_text()
        check(f"{crate}/Cargo.toml reads repository/homepage from the workspace",
              "repository.workspace = true" in text and "homepage.workspace = true" in text)
    pc = (ROOT / "capi/cdn_secure_token.pc.in").read_text()
    check("capi/cdn_secure_token.pc.in URL is the repository", f"URL: {REPO}\n" in pc,
          re.search(r"URL: .*", pc).group(0) if re.search(r"URL: .*", pc) else "no URL")
    for d in ("core", "cli", "python", "node", "capi", "php"):
        same = all((ROOT / d / f).is_file() and filecmp.cmp(ROOT / d / f, ROOT / f, shallow=False)
                   for f in LICENSES)
        check(f"{d}/ has LICENSE-MIT and LICENSE-APACHE equal to the root ones", same)


def check_workflows() -> None:
    wf = sorted((ROOT / ".github/workflows").glob("*.yml"))
    check(".github/workflows has ci.yml and release.yml",
          {p.name for p in wf} >= {"ci.yml", "release.yml"}, str([p.name for p in wf]))
    p = run([TOOLS / "bin/actionlint", "-color=false", *wf], cwd=ROOT, check_rc=False)
    check("actionlint .github/workflows/*.yml", p.returncode == 0, p.stdout[-3000:])
    ci = (ROOT / ".github/workflows/ci.yml").read_text() if (ROOT / ".github/workflows/ci.yml").exists() else ""
    check("ci.yml runs the test command (tests/run-all.sh)", "tests/run-all.sh" in ci)


# ---------------------------------------------------------------- helpers for artifacts
def one(out: Path, pattern: str) -> Path:
    found = sorted(out.glob(pattern))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one {pattern} in {out}, found {[p.name for p in found]}")
    return found[0]


def license_same(data: bytes, name: str) -> bool:
    return data == (ROOT / name).read_bytes()


def wheelhouse() -> None:
    """Test dependencies, downloaded once, before anything is installed offline."""
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    run([TOOLS / "bin/python", "-m", "pip", "download", "-q", "--disable-pip-version-check",
         "-d", WHEELHOUSE, "-r", ROOT / "python/requirements-test.txt",
         # uWSGI comes as an sdist: its offline build needs these from the wheelhouse too.
         "setuptools>=40.8.0", "wheel"])


# ---------------------------------------------------------------- Python
def check_wheel(out: Path) -> Path | None:
    try:
        whl = one(out, "cdn_secure_token-*.whl")
    except FileNotFoundError as e:
        not_ok("the wheel was built", str(e))
        return None
    tags = whl.name[:-4].split("-")[2:]
    check(f"wheel is abi3 for manylinux2014 / glibc 2.17 ({whl.name})",
          tags[1] == "abi3" and "manylinux_2_17_x86_64" in tags[2].split("."), str(tags))
    p = run([TOOLS / "bin/auditwheel", "show", whl], check_rc=False)
    text = " ".join(p.stdout.split())
    line = re.search(r'is consistent with the following platform tag: "([^"]+)"', text)
    print(f"  auditwheel: {line.group(0) if line else text[:300]}")
    check("auditwheel show: consistent with manylinux_2_17_x86_64 (manylinux2014)",
          p.returncode == 0 and bool(line) and line.group(1) == "manylinux_2_17_x86_64", text[:600])
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        dist = f"cdn_secure_token-{VERSION}.dist-info"
        lic = all(f"{dist}/licenses/{f}" in names and license_same(z.read(f"{dist}/licenses/{f}"), f)
                  for f in LICENSES)
        check("wheel dist-info/licenses has LICENSE-MIT and LICENSE-APACHE", lic,
              str([n for n in names if "dist-info" in n]))
        meta = z.read(f"{dist}/METADATA").decode() if f"{dist}/METADATA" in names else ""
    check_core_metadata("wheel METADATA", meta)
    return whl


def check_core_metadata(what: str, meta: str) -> None:
    head = meta.split("\n\n", 1)[0]
    want = [f"Name: cdn-secure-token", f"Version: {VERSION}", f"License-Expression: {WS['license']}",
            "License-File: LICENSE-MIT", "License-File: LICENSE-APACHE",
            f"Project-URL: Repository, {REPO}", f"Project-URL: Homepage, {WS['homepage']}"]
    missing = [w for w in want if w not in head.splitlines()]
    check(f"{what}: name, version, license expression and files, project URLs", not missing,
          f"missing {missing}")
    check(f"{what}: Requires-Python and a long description",
          "Requires-Python: >=" in head and len(meta.split("\n\n", 1)[-1]) > 200)


def check_sdist(out: Path) -> None:
    try:
        sdist = one(out, "cdn_secure_token-*.tar.gz")
    except FileNotFoundError as e:
        not_ok("the sdist was built", str(e))
        return
    top = f"cdn_secure_token-{VERSION}"
    with tarfile.open(sdist) as t:
        names = t.getnames()
        lic = all(f"{top}/{f}" in names and license_same(t.extractfile(f"{top}/{f}").read(), f)
                  for f in LICENSES)
        check("sdist has LICENSE-MIT and LICENSE-APACHE", lic)
        meta = t.extractfile(f"{top}/PKG-INFO").read().decode() if f"{top}/PKG-INFO" in names else ""
    check_core_metadata("sdist PKG-INFO", meta)

    def build() -> None:
        with tempfile.TemporaryDirectory() as d:
            # The user's path: pip builds the sdist in an isolated env whose maturin comes from
            # the wheelhouse; cargo offline (the sdist's Cargo.lock is the workspace's, pruned by
            # cargo to the sdist's members, so not --locked). Debug profile: this
            # checks that the sdist is complete, the release build is the wheel above.
            run([TOOLS / "bin/python", "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
                 "--find-links", WHEELHOUSE, "-w", d, sdist],
                env={**OFFLINE, "CARGO_TARGET_DIR": str(TARGET / "release-sdist-build"),
                     "MATURIN_PEP517_ARGS": "--profile dev"})
            built = list(Path(d).glob("cdn_secure_token-*.whl"))
            assert len(built) == 1, built
            with zipfile.ZipFile(built[0]) as z:
                assert any(n.startswith("cdn_secure_token/_native") for n in z.namelist()), z.namelist()
    step("sdist builds a wheel offline (pip wheel --no-index, cargo offline)", build)


def check_python_fresh(out: Path, whl: Path) -> None:
    venv = Path(tempfile.mkdtemp(prefix="release-venv-"))
    try:
        run([sys.executable, "-m", "venv", venv])
        py = venv / "bin/python"

        def install() -> None:
            run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
                 "--find-links", out, "--find-links", WHEELHOUSE,
                 "cdn-secure-token[django,flask]", "-r", ROOT / "python/requirements-test.txt"],
                env=OFFLINE)
        if not step("pip install --no-index cdn-secure-token[django,flask] into a fresh venv", install):
            return
        probe = run([py, "-c", "import cdn_secure_token, importlib.metadata as m, json, sys;"
                     "print(json.dumps([cdn_secure_token.__file__, m.version('cdn-secure-token'),"
                     "[str(p) for p in m.distribution('cdn-secure-token').files if 'licenses' in str(p)]]))"],
                    cwd=venv).stdout
        where, ver, lic = json.loads(probe.strip().splitlines()[-1])
        check("the installed package is the wheel in the venv, version = workspace version",
              where.startswith(str(venv)) and ver == VERSION and len(lic) == 2, probe)
        junit = venv / "junit.xml"
        # pytest from python/ (its conftest reads tests/vectors, tests/nginx); rootdir-relative
        # imports put python/tests on sys.path, never python/python: the import is the venv's.
        p = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
                 "-o", "addopts=", "tests"], cwd=ROOT / "python", check_rc=False, capture=False,
                env={"PYTHONDONTWRITEBYTECODE": "1"})
        import xml.etree.ElementTree as ET

        try:
            suites = list(ET.parse(junit).getroot().iter("testsuite"))
        except (OSError, ET.ParseError) as e:
            not_ok("python suite against the installed wheel", str(e))
            return
        global passed, failed
        total = sum(int(s.get("tests", 0)) for s in suites)
        bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
        skipped = sum(int(s.get("skipped", 0)) for s in suites)
        print(f"  python suite against the installed wheel: {total - bad - skipped} passed, "
              f"{bad} failed, {skipped} skipped")
        passed += total - bad - skipped
        failed += bad + skipped  # a skip is not a pass here either
        if p.returncode != 0 and bad == 0:
            not_ok("pytest exit status", str(p.returncode))
        if total == 0:
            not_ok("python suite ran no test")
    finally:
        shutil.rmtree(venv, ignore_errors=True)


# ---------------------------------------------------------------- Node
CJS = """
const assert = require('assert')
const path = require('path')
const { Signer } = require('cdn-secure-token')
const cases = JSON.parse(process.argv[2])
assert.ok(require.resolve('cdn-secure-token').startsWith(path.join(process.cwd(), 'node_modules')))
for (const c of cases) {
  const s = new Signer(c.key)
  assert.strictEqual(s.signUrl(c.url, { expires: c.expires, ip: c.ip ?? undefined, now: c.now }), c.signed_url, c.name)
  const v = s.verify(c.signed_url, { ip: c.ip ?? undefined, now: c.now })
  assert.strictEqual(v.status, 'valid', c.name)
}
const expressHelpers = require('cdn-secure-token/express')
assert.strictEqual(typeof expressHelpers.secureLink, 'function')
console.log('cjs ok', cases.length)
"""
MJS = """
import assert from 'node:assert'
import { Signer } from 'cdn-secure-token'
import { secureLink } from 'cdn-secure-token/express'
const cases = JSON.parse(process.argv[2])
for (const c of cases) {
  assert.strictEqual(new Signer(c.key).signUrl(c.url, { expires: c.expires, ip: c.ip ?? undefined, now: c.now }), c.signed_url, c.name)
}
assert.strictEqual(typeof secureLink, 'function')
console.log('esm ok', cases.length)
"""
TS = """
import { Signer } from 'cdn-secure-token'
const signer: Signer = new Signer('my-cdn-key')
const url: string = signer.signUrl('https://cdn.example.com/a b.jpg', { expires: 2147483647 })
const verdict = signer.verify(url, { now: 1700000000 })
const status: 'valid' | 'expired' | 'invalid' = verdict.status
// @ts-expect-error a number is not a URL (never called: only the types are checked)
const wrong = () => signer.signUrl(42)
void wrong
console.log(url, status)
"""


def npm_tarballs(out: Path) -> tuple[Path, list[Path]]:
    tgz = sorted(out.glob("cdn-secure-token-*.tgz"))
    main = [p for p in tgz if p.name == f"cdn-secure-token-{VERSION}.tgz"]
    if len(main) != 1:
        raise FileNotFoundError(f"no cdn-secure-token-{VERSION}.tgz in {[p.name for p in tgz]}")
    return main[0], [p for p in tgz if p != main[0]]


def check_npm(out: Path) -> None:
    try:
        main, plats = npm_tarballs(out)
    except FileNotFoundError as e:
        not_ok("the npm tarballs were built", str(e))
        return
    check("npm: a platform package beside the main one", len(plats) >= 1, str(plats))
    platform_names = []
    for tgz in [main, *plats]:
        with tarfile.open(tgz) as t:
            names = t.getnames()
            pkg = json.loads(t.extractfile("package/package.json").read())
            lic = all(f"package/{f}" in names and license_same(t.extractfile(f"package/{f}").read(), f)
                      for f in LICENSES)
        check(f"{tgz.name} has LICENSE-MIT and LICENSE-APACHE", lic, str(names))
        repo = pkg.get("repository", {})
        repo_url = repo.get("url", "") if isinstance(repo, dict) else repo
        check(f"{tgz.name}: version {VERSION}, license, repository", pkg.get("version") == VERSION
              and pkg.get("license") == WS["license"] and REPO.split("//")[1] in repo_url,
              f"{pkg.get('version')} {pkg.get('license')} {repo_url}")
        nodes = [n for n in names if n.endswith(".node")]
        if tgz == main:
            check(f"{tgz.name} holds no binary (binaries are in the platform packages)", not nodes, str(nodes))
            optional = pkg.get("optionalDependencies", {})
        else:
            platform_names.append(pkg["name"])
            check(f"{tgz.name} holds one binary and says os/cpu", len(nodes) == 1
                  and pkg.get("os") and pkg.get("cpu"), f"{nodes} {pkg.get('os')} {pkg.get('cpu')}")
            if len(nodes) == 1 and "linux" in pkg.get("os", []) and "glibc" in pkg.get("libc", ["glibc"]):
                with tempfile.TemporaryDirectory() as d, tarfile.open(tgz) as t:
                    t.extract(nodes[0], d, filter="data")
                    syms = run(["objdump", "-T", Path(d) / nodes[0]]).stdout
                need = max((tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_([0-9.]+)", syms)),
                           default=(0,))
                check(f"{tgz.name}: the binary needs at most glibc 2.17 (needs {'.'.join(map(str, need))})",
                      need <= (2, 17))
    check("main package lists every platform package as an optional dependency at its version",
          all(optional.get(n) == VERSION for n in platform_names) and len(optional) >= len(platform_names),
          str(optional))

    lock = json.loads((ROOT / "node/package-lock.json").read_text())["packages"]
    ts_version = lock["node_modules/typescript"]["version"]
    types_node = lock.get("node_modules/@types/node", {}).get("version")
    extra = [f"typescript@{ts_version}"] + ([f"@types/node@{types_node}"] if types_node else [])
    with tempfile.TemporaryDirectory() as warm:  # online, before: the tools and their deps cached
        Path(warm, "package.json").write_text('{"name": "warm", "version": "1.0.0", "private": true}')
        run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", *extra], cwd=warm)
    proj = Path(tempfile.mkdtemp(prefix="release-npm-"))
    try:
        (proj / "package.json").write_text(json.dumps({"name": "fresh", "version": "1.0.0", "private": True}))

        def install() -> None:
            run(["npm", "install", "--offline", "--no-audit", "--no-fund", main, *plats, *extra],
                cwd=proj, env=OFFLINE)
        if not step("npm install --offline of the tarballs into a fresh project", install):
            return
        cases = json.dumps(VECTORS)
        (proj / "use.cjs").write_text(CJS)
        (proj / "use.mjs").write_text(MJS)
        step("CommonJS: require('cdn-secure-token') signs the vectors, verify says valid",
             lambda: run(["node", "use.cjs", cases], cwd=proj))
        step("ESM: import from 'cdn-secure-token' and 'cdn-secure-token/express'",
             lambda: run(["node", "use.mjs", cases], cwd=proj))
        (proj / "use.ts").write_text(TS)
        (proj / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
            "strict": True, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
            "outDir": "dist", "types": ["node"] if types_node else []}, "files": ["use.ts"]}))

        def ts() -> None:
            run(["node_modules/.bin/tsc", "-p", "."], cwd=proj)
            p = run(["node", "dist/use.js"], cwd=proj)
            assert p.stdout.strip().endswith(" valid"), p.stdout
        step("TypeScript: tsc --strict against the shipped .d.ts, then run", ts)

        def missing_platform() -> None:
            for n in platform_names:
                shutil.rmtree(proj / "node_modules" / n)
            p = run(["node", "-e", "require('cdn-secure-token')"], cwd=proj, check_rc=False)
            assert p.returncode != 0, "loaded without its platform package"
            # The message a user reads is the thrown error's own (its `cause` chain may hold the
            # generated loader's attempts): it names the missing package and blames no npm bug.
            first = next((ln for ln in p.stdout.splitlines() if re.match(r"^\w*Error\b.*:", ln)), "")
            assert any(n in first for n in platform_names), first or p.stdout[-1500:]
            assert "npm/cli/issues" not in first and "bug" not in first.lower(), first
        step("without its platform package the loader names the missing package", missing_platform)
    finally:
        shutil.rmtree(proj, ignore_errors=True)


# ---------------------------------------------------------------- Rust
def drop_registry_builds(target_dir: Path) -> None:
    for profile in ("debug", "release"):
        for pattern in (".fingerprint/cdn-secure-token-*", "deps/*cdn_secure_token*"):
            for p in (target_dir / profile).glob(pattern):
                shutil.rmtree(p) if p.is_dir() else p.unlink()


def check_crates(out: Path) -> None:
    crates = {}
    for name in ("cdn-secure-token", "cdn-secure-token-serve", "cdn-secure-token-cli"):
        path = out / f"{name}-{VERSION}.crate"
        if not path.is_file():
            not_ok(f"{path.name} was built")
            continue
        crates[name] = path
        top = f"{name}-{VERSION}"
        with tarfile.open(path) as t:
            names = t.getnames()
            lic = all(f"{top}/{f}" in names and license_same(t.extractfile(f"{top}/{f}").read(), f)
                      for f in LICENSES)
            manifest = tomllib.loads(t.extractfile(f"{top}/Cargo.toml").read().decode())
        check(f"{path.name} has LICENSE-MIT and LICENSE-APACHE", lic)
        pk = manifest["package"]
        check(f"{path.name}: version, license, repository, readme, keywords, categories",
              pk.get("version") == VERSION and pk.get("license") == WS["license"]
              and pk.get("repository") == REPO and pk.get("readme") and pk.get("keywords")
              and pk.get("categories") and pk.get("publish", True) is not False, str(pk))
        if name == "cdn-secure-token-cli":
            dep = manifest.get("dependencies", {}).get("cdn-secure-token", {})
            check(f"{path.name} depends on cdn-secure-token ={VERSION} by version (path stripped)",
                  dep.get("version") == VERSION or dep.get("version") == f"^{VERSION}" and "path" not in dep,
                  str(dep))
    if len(crates) != 3:
        return

    work = TARGET / "release-cargo-install"
    shutil.rmtree(work / "vendor", ignore_errors=True)
    shutil.rmtree(work / "home", ignore_errors=True)
    shutil.rmtree(work / "root", ignore_errors=True)
    (work / "home").mkdir(parents=True)

    def vendor() -> None:
        # The CLI's dependencies, from the packaged CLI itself (the packaged core patched in), so
        # that the directory registry holds exactly what `cargo install` of the crate needs.
        with tempfile.TemporaryDirectory() as d:
            for name, path in crates.items():
                with tarfile.open(path) as t:
                    t.extractall(d, filter="data")
            cli = Path(d) / f"cdn-secure-token-cli-{VERSION}"
            with open(cli / "Cargo.toml", "a") as f:
                f.write(f'\n[patch.crates-io]\ncdn-secure-token = {{ path = "../cdn-secure-token-{VERSION}" }}\n'
                        f'cdn-secure-token-serve = {{ path = "../cdn-secure-token-serve-{VERSION}" }}\n')
            run(["cargo", "vendor", "--offline", "-q", work / "vendor"], cwd=cli)
        for name, path in crates.items():
            dest = work / "vendor" / name
            shutil.rmtree(dest, ignore_errors=True)
            with tarfile.open(path) as t:
                t.extractall(work / "vendor", filter="data")
            (work / "vendor" / f"{name}-{VERSION}").rename(dest)
            (dest / ".cargo-checksum.json").write_text(json.dumps(
                {"files": {}, "package": hashlib.sha256(path.read_bytes()).hexdigest()}))
        (work / "home/config.toml").write_text(
            '[source.crates-io]\nreplace-with = "release-vendor"\n'
            f'[source.release-vendor]\ndirectory = "{work / "vendor"}"\n')
    if not step("a directory registry of the packaged crates and their vendored dependencies", vendor):
        return

    def install() -> None:
        # cargo takes a registry crate of a known version as unchanged: drop the builds of ours
        # from the kept target dir, or an earlier run's core and CLI would be reused.
        drop_registry_builds(TARGET / "release-cargo-install-target")
        # A fresh CARGO_HOME: nothing of the machine's registry cache; crates.io is the directory
        # above. The target dir is kept between runs only as a build cache.
        run(["cargo", "install", "cdn-secure-token-cli", "--version", VERSION, "--locked", "--offline",
             "--root", work / "root"],
            env={**OFFLINE, "CARGO_HOME": str(work / "home"),
                 "CARGO_TARGET_DIR": str(TARGET / "release-cargo-install-target"),
                 "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup"))})
    if not step("cargo install cdn-secure-token-cli --locked --offline (fresh CARGO_HOME)", install):
        return
    exe = work / "root/bin/cdn-secure-token"
    p = run([exe, "--version"], check_rc=False)
    check("installed cdn-secure-token --version prints the workspace version",
          p.stdout.strip() == f"cdn-secure-token {VERSION}", p.stdout)

    def signs() -> None:
        for c in VECTORS:
            args = [exe, "sign", c["url"], "--expires", str(c["expires"]), "--now", str(c["now"])]
            if c["ip"]:
                args += ["--ip", c["ip"]]
            got = run(args, env={"CDN_SECURE_TOKEN_KEY": c["key"]}, cwd=work).stdout.strip()
            assert got == c["signed_url"], f"{c['name']}: {got} != {c['signed_url']}"
            vargs = [exe, "verify", c["signed_url"], "--now", str(c["now"])] + (["--ip", c["ip"]] if c["ip"] else [])
            v = run(vargs, env={"CDN_SECURE_TOKEN_KEY": c["key"]}, cwd=work, check_rc=False)
            assert v.returncode == 0 and v.stdout.startswith("valid"), f"{c['name']}: {v.stdout}"
    step(f"installed CLI signs {len(VECTORS)} vectors and verifies them valid", signs)


# ---------------------------------------------------------------- C
def check_c(out: Path) -> None:
    try:
        tgz = one(out, f"cdn-secure-token-{VERSION}-*.tar.gz")
    except FileNotFoundError as e:
        not_ok("the C tarball was built", str(e))
        return
    with tarfile.open(tgz) as t:
        names = t.getnames()
        top = names[0].split("/")[0]
        lic = all(f"{top}/{f}" in names and license_same(t.extractfile(f"{top}/{f}").read(), f)
                  for f in LICENSES)
        check(f"{tgz.name} has LICENSE-MIT and LICENSE-APACHE", lic, str(names))
        want = ["include/cdn_secure_token.h", "lib/libcdn_secure_token.so", "lib/libcdn_secure_token.a",
                "lib/pkgconfig/cdn_secure_token.pc"]
        check(f"{tgz.name} has the header, the shared and static library and the .pc",
              all(f"{top}/{w}" in names for w in want), str(names))
    d = Path(tempfile.mkdtemp(prefix="release-c-"))
    try:
        with tarfile.open(tgz) as t:
            t.extractall(d, filter="data")
        prefix = d / top
        env = {"PKG_CONFIG_PATH": str(prefix / "lib/pkgconfig")}
        shutil.copy(ROOT / "examples/c/sign.c", d / "sign.c")
        c = VECTORS[0]

        def pc() -> None:
            v = run(["pkg-config", "--modversion", "cdn_secure_token"], env=env).stdout.strip()
            assert v == VERSION, v
            flags = run(["pkg-config", "--cflags", "--libs", "cdn_secure_token"], env=env).stdout
            assert str(prefix) in flags or "pcfiledir" not in flags, flags
        step("pkg-config finds the unpacked library at its version", pc)

        def shared() -> None:
            flags = run(["pkg-config", "--cflags", "--libs", "cdn_secure_token"], env=env).stdout.split()
            run(["cc", "-std=c99", "-Wall", "-Werror", "sign.c", *flags, "-o", "sign"], cwd=d)
            p = run(["./sign", c["key"], c["url"], str(c["expires"])], cwd=d,
                    env={"LD_LIBRARY_PATH": str(prefix / "lib")})
            assert c["signed_url"] in p.stdout.splitlines(), p.stdout
        step("examples/c/sign.c against the unpacked shared library signs the documented vector", shared)

        def static() -> None:
            cflags = run(["pkg-config", "--cflags", "cdn_secure_token"], env=env).stdout.split()
            libs = run(["pkg-config", "--static", "--libs-only-l", "cdn_secure_token"], env=env).stdout.split()
            libs = [x for x in libs if x != "-lcdn_secure_token"]
            run(["cc", "-std=c99", "sign.c", *cflags, prefix / "lib/libcdn_secure_token.a", *libs,
                 "-o", "sign-static"], cwd=d)
            p = run(["./sign-static", c["key"], c["url"], str(c["expires"])], cwd=d)
            assert c["signed_url"] in p.stdout.splitlines(), p.stdout
        step("examples/c/sign.c against the unpacked static library", static)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET / "release-artifacts"
    run(["bash", ROOT / "tests/setup-system.sh"], capture=False)
    check_metadata()
    if os.environ.get("RELEASE_REUSE") and any(out.glob("*.whl")):
        print(f"== reusing the artifacts in {out} (RELEASE_REUSE set)", flush=True)
    else:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        print("== release/build.sh", out, flush=True)
        built = run(["bash", ROOT / "release/build.sh", out], check_rc=False, capture=False).returncode == 0
        check("release/build.sh builds every artifact", built)
    check_workflows()
    step("wheelhouse of the Python test dependencies (downloaded before the offline installs)", wheelhouse)
    whl = check_wheel(out)
    check_sdist(out)
    if whl:
        check_python_fresh(out, whl)
    check_npm(out)
    check_crates(out)
    check_c(out)
    print("artifacts:")
    for p in sorted(out.iterdir()):
        print(f"  {p.name}  {p.stat().st_size} bytes")
    print(f"release: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
