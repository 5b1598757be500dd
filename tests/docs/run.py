#!/usr/bin/env python3
"""README code blocks are tests: runs every fenced block of every README.md in the repository
(and of the root guides ARCHITECTURE.md and CONTRIBUTING.md).

Conventions (COMMON.md, "README code blocks are tests"):
- Info string = language. `sh` runs with `bash -euo pipefail` in a fresh temp dir (the
  repository's top-level entries are linked into it, so `tests/raw/...` or `examples/...` work
  as written, while whatever the block writes stays in the temp dir), with `cdn-secure-token`
  on PATH, `CDN_SECURE_TOKEN_KEY=my-cdn-key`, and the faces' built packages installable
  offline: `pip install cdn-secure-token` (PIP_NO_INDEX, PIP_FIND_LINKS = the release
  artifacts and the test wheelhouse, into the docs venv first on PATH), `npm install
  cdn-secure-token` (npm's registry is a loopback server that serves the built tarballs and
  passes every other name through to the npm registry), `cargo install cdn-secure-token-cli`
  (CARGO_HOME whose crates.io is the directory of the packaged crates), `composer require
  cdn-secure-token/cdn-secure-token` (COMPOSER_HOME with a path repository to php/).
  `python` runs in the docs venv (the wheel, Django, Flask installed), `js` as CommonJS, `mjs`
  as ESM, `ts` through `tsc --strict` then node, all in a project with the npm tarballs,
  express and typescript installed; `php` with the PHP class autoloaded and the C library from
  the C tarball; `c` compiled against the C tarball (wrapped in `main` unless it has one);
  `rust` as an example of a crate depending on cdn-secure-token (wrapped in a `main` returning
  `Result` unless it has one). `text` and `json` are shown output and are not run; any other
  info string is a failure (say what the block is).
- `<!-- doc: part-of PATH -->` before a block: its lines must appear, in order, in PATH
  (repository-relative, or relative to the README), a file some test runs.
- `<!-- doc: setup NAME -->` before a block: prepended to every later block of the same
  language in that README (shared imports, keys); not counted by itself.
- `<!-- doc: no-run REASON -->`: listed by name with its reason, never counted as passed.
Each README also gets a link check (relative links and links to this repository's
blob/tree/main/ paths must exist). Ends with "docs: N passed, N failed".

Usage: python3 tests/docs/run.py [--artifacts DIR] [--only SUBSTRING] [README.md ...]
The artifacts are release/build.sh's output (default target/release-artifacts; built with
release/build.sh when missing).
"""
from __future__ import annotations

import argparse
import hashlib
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WS = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]
VERSION = WS["version"]
REPO = WS["repository"]
KEY = "my-cdn-key"
TIMEOUT = int(os.environ.get("DOCS_BLOCK_TIMEOUT", "600"))
RUN_LANGS = {"sh", "python", "js", "mjs", "ts", "php", "c", "rust"}
SHOWN_LANGS = {"text", "json"}
DIRECTIVE = re.compile(r"^\s*<!--\s*doc:\s*(part-of|setup|no-run)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


@dataclass
class Block:
    readme: Path
    line: int
    lang: str
    code: str
    directive: str | None = None  # part-of / setup / no-run
    arg: str = ""
    setups: list[Block] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.readme.relative_to(ROOT)}:{self.line} ({self.lang or 'no language'})"


def parse(readme: Path) -> list[Block]:
    blocks: list[Block] = []
    lines = readme.read_text(encoding="utf-8").splitlines()
    pending: tuple[str, str] | None = None
    i = 0
    while i < len(lines):
        m = DIRECTIVE.match(lines[i])
        if m:
            pending = (m.group(1), m.group(2))
            i += 1
            continue
        f = FENCE.match(lines[i])
        if f:
            indent, fence, lang = f.group(1), f.group(2), f.group(3).lower()
            start = i + 1
            body = []
            i += 1
            while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence))
                                          and lines[i].strip().strip(fence[0]) == ""):
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            b = Block(readme, start, lang, "\n".join(body) + "\n")
            if pending:
                b.directive, b.arg = pending
            blocks.append(b)
            pending = None
        elif lines[i].strip():
            pending = None if not lines[i].lstrip().startswith("<!--") else pending
        i += 1
    # setups: prepended to every later block of the same language
    active: dict[str, list[Block]] = {}
    for b in blocks:
        if b.directive == "setup":
            active.setdefault(b.lang, []).append(b)
        else:
            b.setups = list(active.get(b.lang, []))
    return blocks


# The contributor guides at the root hold commands and snippets too; they are read like READMEs.
GUIDES = ("ARCHITECTURE.md", "CONTRIBUTING.md")


def readmes(args: list[str]) -> list[Path]:
    if args:
        return [Path(a).resolve() for a in args]
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*README.md", *GUIDES], cwd=ROOT,
                         text=True, capture_output=True).stdout.split()
    found = [ROOT / p for p in out if (ROOT / p).is_file() and "node_modules" not in p]
    if not found:  # not a git checkout
        found = [p for p in ROOT.rglob("README.md")
                 if not any(part in {"target", "node_modules", ".venv", ".git"} for part in p.parts)]
        found += [ROOT / g for g in GUIDES if (ROOT / g).is_file()]
    return sorted(found)


# ------------------------------------------------------------------ the environment
class Registry(threading.Thread):
    """A loopback npm registry: the built tarballs under their names, everything else passed
    through to the npm registry (tarball URLs included: npm rewrites them to this host)."""

    UPSTREAM = "https://registry.npmjs.org"

    def __init__(self, tarballs: list[Path]):
        super().__init__(daemon=True)
        self.ours: dict[str, dict] = {}
        self.files: dict[str, Path] = {}
        for t in tarballs:
            with tarfile.open(t) as tf:
                pkg = json.loads(tf.extractfile("package/package.json").read())
            data = t.read_bytes()
            self.files[t.name] = t
            self.ours[pkg["name"]] = (pkg, data, t.name)
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                registry.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def run(self):
        self.server.serve_forever()

    def handle(self, h):
        path = urllib.request.unquote(h.path.split("?")[0]).lstrip("/")
        if path.startswith("-/ours/") and path[7:] in self.files:
            return self.reply(h, 200, self.files[path[7:]].read_bytes(), "application/octet-stream")
        if path in self.ours:
            pkg, data, fname = self.ours[path]
            ver = dict(pkg)
            ver["dist"] = {
                "tarball": f"{self.url}-/ours/{fname}",
                "shasum": hashlib.sha1(data).hexdigest(),
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            }
            body = {"name": path, "dist-tags": {"latest": pkg["version"]},
                    "versions": {pkg["version"]: ver}}
            return self.reply(h, 200, json.dumps(body).encode(), "application/json")
        req = urllib.request.Request(f"{self.UPSTREAM}/{h.path.lstrip('/')}",
                                     headers={"Accept": h.headers.get("Accept", "*/*"),
                                              "User-Agent": "docs-runner"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                data = r.read()
                if "json" in r.headers.get("Content-Type", ""):
                    data = data.replace(self.UPSTREAM.encode() + b"/", self.url.encode())
                return self.reply(h, r.status, data, r.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            return self.reply(h, e.code, e.read(), e.headers.get("Content-Type", ""))
        except Exception as e:  # noqa: BLE001
            return self.reply(h, 502, str(e).encode(), "text/plain")

    @staticmethod
    def reply(h, status, data, ctype):
        h.send_response(status)
        h.send_header("Content-Type", ctype or "application/octet-stream")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


class Env:
    def __init__(self, artifacts: Path):
        self.artifacts = artifacts
        self.work = Path(tempfile.mkdtemp(prefix="docs-run-"))
        self._venv = self._node = self._c = self._rust = self._bin = self._php = None
        self._registry: Registry | None = None
        self.wheelhouse = TARGET / "release-wheelhouse"

    def run(self, cmd, **kw):
        p = subprocess.run([str(c) for c in cmd], text=True, capture_output=True, **kw)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
        return p

    def registry(self) -> Registry:
        if not self._registry:
            tgz = sorted(self.artifacts.glob("cdn-secure-token-*.tgz"))
            if not tgz:
                raise RuntimeError(f"no npm tarballs in {self.artifacts}")
            self._registry = Registry(tgz)
            self._registry.start()
        return self._registry

    def venv(self) -> Path:
        if not self._venv:
            v = self.work / "venv"
            self.run([sys.executable, "-m", "venv", v])
            self.run([v / "bin/python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
                      "--no-index", "--find-links", self.artifacts, "--find-links", self.wheelhouse,
                      "cdn-secure-token[django,flask]"])
            self._venv = v
        return self._venv

    def node(self) -> Path:
        if not self._node:
            self.registry()  # cdn-secure-token itself must come from the built tarballs
            d = self.work / "node"
            d.mkdir()
            (d / "package.json").write_text(json.dumps({"name": "docs", "version": "1.0.0", "private": True}))
            lock = json.loads((ROOT / "node/package-lock.json").read_text())["packages"]
            dev = [f"{n.removeprefix('node_modules/')}@{lock[n]['version']}" for n in
                   ("node_modules/express", "node_modules/typescript", "node_modules/@types/express",
                    "node_modules/@types/node") if n in lock]
            self.run(["npm", "install", "--no-audit", "--no-fund", f"cdn-secure-token@{VERSION}", *dev],
                     cwd=d, env=self.env_vars())
            (d / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
                "strict": True, "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
                "skipLibCheck": False, "types": ["node"]}}))
            self._node = d
        return self._node

    def c_prefix(self) -> Path:
        if not self._c:
            tgz = sorted(self.artifacts.glob(f"cdn-secure-token-{VERSION}-*.tar.gz"))
            if not tgz:
                raise RuntimeError(f"no C tarball in {self.artifacts}")
            with tarfile.open(tgz[0]) as t:
                top = t.getnames()[0].split("/")[0]
                t.extractall(self.work / "c", filter="data")
            self._c = self.work / "c" / top
        return self._c

    def bin(self) -> Path:
        """A directory with the CLI: the one `cargo install`ed by the release suite, else built."""
        if not self._bin:
            installed = TARGET / "release-cargo-install/root/bin"
            crate = self.artifacts / f"cdn-secure-token-cli-{VERSION}.crate"
            # the CLI the release suite installed from these artifacts' crate, else the checkout's
            if ((installed / "cdn-secure-token").is_file() and crate.is_file()
                    and (installed / "cdn-secure-token").stat().st_mtime > crate.stat().st_mtime):
                self._bin = installed
            else:
                self.run(["cargo", "build", "--release", "--locked", "-q", "-p", "cdn-secure-token-cli"], cwd=ROOT)
                self._bin = TARGET / "release"
        return self._bin

    def cargo_home(self) -> Path:
        """A CARGO_HOME whose crates.io is a directory: every dependency of the workspace (and of
        fuzz/, bench/md5-backends/) vendored, plus the packaged cdn-secure-token and
        cdn-secure-token-cli crates, so `cargo install cdn-secure-token-cli` works offline
        exactly as it will from crates.io, and so does every cargo command of the checkout."""
        home = self.work / "cargo-home"
        if home.is_dir():
            return home
        vendor = TARGET / "docs-vendor"
        locks = [ROOT / "Cargo.lock", ROOT / "fuzz/Cargo.lock", ROOT / "bench/md5-backends/Cargo.lock"]
        stamp = hashlib.sha256(b"".join(p.read_bytes() for p in locks if p.is_file())).hexdigest()
        if not (vendor / ".stamp").is_file() or (vendor / ".stamp").read_text() != stamp:
            shutil.rmtree(vendor, ignore_errors=True)
            # In a copy of the checkout: a lock file that cargo brings up to date (fuzz/ lags
            # behind the workspace at times) is not written into the real one.
            copy = sandbox()
            sync = [a for p in locks[1:] if p.is_file()
                    for a in ("-s", str(copy / p.relative_to(ROOT).with_name("Cargo.toml")))]
            self.run(["cargo", "vendor", "-q", *sync, vendor], cwd=copy)
            (vendor / ".stamp").write_text(stamp)
        for name in ("cdn-secure-token", "cdn-secure-token-serve", "cdn-secure-token-cli"):
            crate = self.artifacts / f"{name}-{VERSION}.crate"
            if not crate.is_file():
                raise RuntimeError(f"no {crate.name} in {self.artifacts}")
            dest = vendor / f"{name}-{VERSION}"
            shutil.rmtree(dest, ignore_errors=True)
            with tarfile.open(crate) as t:
                t.extractall(vendor, filter="data")
            (dest / ".cargo-checksum.json").write_text(json.dumps(
                {"files": {}, "package": hashlib.sha256(crate.read_bytes()).hexdigest()}))
        home.mkdir()
        (home / "config.toml").write_text('[source.crates-io]\nreplace-with = "docs-vendor"\n'
                                          f'[source.docs-vendor]\ndirectory = "{vendor}"\n')
        return home

    def php_prelude(self) -> Path:
        if not self._php:
            p = self.work / "prelude.php"
            p.write_text("<?php\nspl_autoload_register(function ($c) {\n"
                         "  if (str_starts_with($c, 'CdnSecureToken\\\\')) {\n"
                         f"    $f = {json.dumps(str(ROOT / 'php/src'))} . '/' . str_replace('\\\\', '/', substr($c, 15)) . '.php';\n"
                         "    if (is_file($f)) require $f;\n  }\n});\n")
            self._php = p
        return self._php

    def env_vars(self, extra: dict | None = None) -> dict:
        env = dict(os.environ)
        env.update({
            "CDN_SECURE_TOKEN_KEY": KEY,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": f"{self.artifacts} {self.wheelhouse}",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "npm_config_audit": "false", "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
            "CARGO_TARGET_DIR": str(TARGET),
        })
        if self._registry:
            env["npm_config_registry"] = self._registry.url
        env.update(extra or {})
        return env

    def close(self):
        if self._registry:
            self._registry.server.shutdown()
        shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------ running one block
def norm(line: str) -> str:
    return " ".join(line.split())


def check_part_of(b: Block) -> str | None:
    target = None
    for cand in (ROOT / b.arg, b.readme.parent / b.arg):
        if cand.is_file():
            target = cand
            break
    if not target:
        return f"part-of: {b.arg} does not exist"
    have = [norm(x) for x in target.read_text(encoding="utf-8", errors="replace").splitlines()]
    pos = 0
    for line in b.code.splitlines():
        want = norm(line)
        if not want or want in ("...", "…", "// ...", "# ...", "/* ... */"):
            continue
        while pos < len(have) and have[pos] != want:
            pos += 1
        if pos == len(have):
            return f"part-of: line not found (in order) in {b.arg}: {line.strip()!r}"
        pos += 1
    return None


def files_of_checkout() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, text=True,
                         capture_output=True).stdout.splitlines()
    return [f for f in out if (ROOT / f).is_file() and not f.startswith(("target/", "node_modules/"))]


def sandbox() -> Path:
    """A fresh copy of the checkout (tracked and untracked, not ignored files; mtimes kept, so
    cargo's build cache in target/docs-target stays valid) at one fixed place: a block can use
    repository paths as written and cannot change the real checkout."""
    d = TARGET / "docs-checkout"
    shutil.rmtree(d, ignore_errors=True)
    for f in files_of_checkout():
        dest = d / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / f).is_symlink():
            os.symlink(os.readlink(ROOT / f), dest)
        else:
            shutil.copy2(ROOT / f, dest)
    return d


def run_block(b: Block, env: Env) -> tuple[bool, str]:
    code = "".join(s.code for s in b.setups) + b.code
    lang = b.lang
    d = sandbox()
    try:
        if lang == "sh":
            venv = env.venv()
            cargo_home = env.cargo_home()
            composer = Path(tempfile.mkdtemp(prefix="docs-composer-", dir=env.work))
            (composer / "config.json").write_text(json.dumps({"repositories": [
                {"type": "path", "url": str(ROOT / "php"),
                 "options": {"symlink": False, "versions": {"cdn-secure-token/cdn-secure-token": VERSION}}},
                {"packagist.org": False}]}))
            if "npm " in code or "npx " in code:
                env.registry()
            c = env.c_prefix() if ("pkg-config" in code or " cc " in f" {code}") else None
            extra = {
                "PATH": f"{env.bin()}:{venv / 'bin'}:{os.environ['PATH']}",
                "VIRTUAL_ENV": str(venv),
                "CARGO_HOME": str(cargo_home),
                "CARGO_INSTALL_ROOT": str(env.work / "cargo-root"),
                "CARGO_TARGET_DIR": str(TARGET / "docs-target"),
                "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")),
                "COMPOSER_HOME": str(composer),
            }
            if c:
                extra["PKG_CONFIG_PATH"] = str(c / "lib/pkgconfig")
                extra["LD_LIBRARY_PATH"] = str(c / "lib")
            extra["PATH"] = f"{env.work / 'cargo-root/bin'}:{extra['PATH']}"
            # rustup's cargo proxy lives in the default CARGO_HOME/bin, which stays on PATH.
            (d / "block.sh").write_text(code)
            cmd = ["bash", "-euo", "pipefail", "block.sh"]
            e = env.env_vars(extra)
        elif lang == "python":
            (d / "block.py").write_text(code)
            cmd = [env.venv() / "bin/python", "block.py"]
            e = env.env_vars()
        elif lang in ("js", "mjs", "ts"):
            proj = env.node()
            bd = proj / "blocks" / f"{b.readme.parent.name or 'root'}-{b.line}"
            shutil.rmtree(bd, ignore_errors=True)
            bd.mkdir(parents=True)
            if lang == "ts":
                (bd / "block.ts").write_text(code)
                (bd / "tsconfig.json").write_text(json.dumps({"extends": "../../tsconfig.json",
                                                              "compilerOptions": {"outDir": "out"},
                                                              "files": ["block.ts"]}))
                p = subprocess.run([proj / "node_modules/.bin/tsc", "-p", bd], cwd=bd, text=True,
                                   capture_output=True, timeout=TIMEOUT)
                if p.returncode != 0:
                    return False, "tsc --strict:\n" + p.stdout + p.stderr
                cmd = ["node", bd / "out/block.js"]
            else:
                f = bd / ("block.cjs" if lang == "js" else "block.mjs")
                f.write_text(code)
                cmd = ["node", f]
            e = env.env_vars()
            d_run = bd
        elif lang == "php":
            c = env.c_prefix()
            body = code if code.lstrip().startswith("<?php") else "<?php\n" + code
            (d / "block.php").write_text(body)
            cmd = ["php", "-d", "ffi.enable=1", "-d", f"auto_prepend_file={env.php_prelude()}", "block.php"]
            e = env.env_vars({"CDN_SECURE_TOKEN_LIB": str(c / "lib/libcdn_secure_token.so")})
        elif lang == "c":
            c = env.c_prefix()
            src = code
            if not re.search(r"\bint\s+main\s*\(", code):
                src = ("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
                       "#include <cdn_secure_token.h>\nint main(void) {\n" + code + "\nreturn 0;\n}\n")
            (d / "block.c").write_text(src)
            pe = env.env_vars({"PKG_CONFIG_PATH": str(c / "lib/pkgconfig")})
            flags = subprocess.run(["pkg-config", "--cflags", "--libs", "cdn_secure_token"], env=pe,
                                   text=True, capture_output=True).stdout.split()
            p = subprocess.run(["cc", "-std=c99", "-Wall", "block.c", *flags, "-o", "block"], cwd=d,
                               text=True, capture_output=True, env=pe)
            if p.returncode != 0:
                return False, "cc:\n" + p.stdout + p.stderr
            cmd = ["./block"]
            e = env.env_vars({"LD_LIBRARY_PATH": str(c / "lib")})
        elif lang == "rust":
            proj = d / "rust"
            (proj / "src").mkdir(parents=True)
            (proj / "Cargo.toml").write_text(
                '[package]\nname = "docs-block"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
                f'[dependencies]\ncdn-secure-token = {{ path = {json.dumps(str(ROOT / "core"))} }}\n\n[workspace]\n')
            lock = ROOT / "Cargo.lock"
            shutil.copy(lock, proj / "Cargo.lock")
            src = code
            if not re.search(r"\bfn\s+main\s*\(", code):
                src = ("fn main() -> Result<(), Box<dyn std::error::Error>> {\n" + code + "\nOk(())\n}\n")
            (proj / "src/main.rs").write_text(src)
            cmd = ["cargo", "run", "-q", "--offline"]
            e = env.env_vars({"CARGO_TARGET_DIR": str(TARGET / "docs-rust")})
            d_run = proj
        else:
            return False, f"info string {lang!r}: not a language the runner knows"
        cwd = locals().get("d_run", d)
        try:
            p = subprocess.run([str(x) for x in cmd], cwd=cwd, env=e, text=True, capture_output=True,
                               timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return False, f"timed out after {TIMEOUT} s"
        out = (p.stdout + p.stderr)[-4000:]
        return p.returncode == 0, out
    except Exception as ex:  # noqa: BLE001 - a block that cannot be set up fails, with why
        return False, f"{type(ex).__name__}: {ex}"[-4000:]
    finally:
        if d != TARGET / "docs-checkout":
            shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ links
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def check_links(readme: Path) -> list[str]:
    bad = []
    text = readme.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for m in LINK.finditer(text):
        url = m.group(1).split("#")[0]
        if not url or url.startswith(("mailto:",)):
            continue
        if url.startswith(REPO + "/"):
            rest = url[len(REPO) + 1:]
            mm = re.match(r"(?:blob|tree)/main/(.*)", rest)
            if mm:
                if not (ROOT / mm.group(1)).exists():
                    bad.append(url)
            continue
        if re.match(r"^[a-z]+://", url):
            continue
        if not (readme.parent / url).exists():
            bad.append(url)
    return bad


FACES = {"README.md", "python/README.md", "node/README.md", "capi/README.md", "php/README.md"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--artifacts", type=Path, default=TARGET / "release-artifacts")
    ap.add_argument("--only", default="")
    ap.add_argument("readmes", nargs="*")
    a = ap.parse_args()
    artifacts = a.artifacts.resolve()
    sums = artifacts / "SHA256SUMS"
    sources = [ROOT / f for f in files_of_checkout()
               if f.startswith(("core/", "cli/", "python/", "node/", "capi/", "php/", "include/"))
               or f in ("Cargo.toml", "Cargo.lock")]
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0)
    if not sums.is_file() or sums.stat().st_mtime < newest:
        # the packages must be the checkout's: rebuilt when a source is newer than them
        print(f"docs: building the release artifacts into {artifacts}", flush=True)
        shutil.rmtree(artifacts, ignore_errors=True)
        subprocess.run(["bash", ROOT / "release/build.sh", artifacts], check=True)
    if not (TARGET / "release-wheelhouse").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", TARGET / "release-wheelhouse",
                        "-r", ROOT / "python/requirements-test.txt"], check=True)
    # cargo takes a registry crate of a known version as unchanged: builds of the packaged
    # crates (cargo install in a block) from an earlier run must not be reused.
    for profile in ("debug", "release"):
        for pattern in (".fingerprint/cdn-secure-token-*", "deps/*cdn_secure_token*"):
            for p in (TARGET / "docs-target" / profile).glob(pattern):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    env = Env(artifacts)
    passed = failed = 0
    no_run: list[str] = []
    try:
        for readme in readmes(a.readmes):
            rel = str(readme.relative_to(ROOT))
            bad = check_links(readme)
            ok_links = not bad
            if rel in FACES:
                text = readme.read_text(encoding="utf-8")
                if "docs/scheme.md" not in text:
                    ok_links = False
                    bad.append("(no link to docs/scheme.md)")
            print(f"{'ok' if ok_links else 'FAIL'} - {rel}: links" + (f": {bad}" if bad else ""), flush=True)
            passed += ok_links
            failed += not ok_links
            for b in parse(readme):
                if a.only and a.only not in b.name:
                    continue
                if b.directive == "no-run":
                    no_run.append(f"{b.name}: {b.arg or '(no reason given)'}")
                    if not b.arg:
                        failed += 1
                        print(f"FAIL - {b.name}: no-run without a reason")
                    continue
                if b.directive == "setup":
                    later = [x for x in parse(readme) if x.lang == b.lang and x.line > b.line
                             and x.directive is None]
                    if not later:
                        failed += 1
                        print(f"FAIL - {b.name}: setup block used by no later {b.lang} block")
                    continue
                if b.directive == "part-of":
                    why = check_part_of(b)
                    good = why is None
                elif b.lang in SHOWN_LANGS:
                    continue
                elif b.lang not in RUN_LANGS:
                    good, why = False, (f"info string {b.lang!r}: give a runnable language, text/json for shown "
                                        "output, or a doc: directive")
                else:
                    good, out = run_block(b, env)
                    why = None if good else out
                print(f"{'ok' if good else 'FAIL'} - {b.name}" + ("" if good else f"\n{why}"), flush=True)
                passed += good
                failed += not good
    finally:
        env.close()
    if no_run:
        print(f"no-run blocks ({len(no_run)}, not counted as passed):")
        for n in no_run:
            print(f"  {n}")
    print(f"docs: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
