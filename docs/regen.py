#!/usr/bin/env python3
"""Regenerate the pasted command outputs in README.md and docs/*.md.

    python docs/regen.py            rewrite every marked block in place
    python docs/regen.py --check    change nothing; exit 1 and print a unified diff if a block is stale
    python docs/regen.py FILE ...   only these Markdown files (default: README.md and docs/*.md)
    python docs/regen.py --times    also print how long each block took

A marked block is an HTML comment on a line of its own, immediately followed by a fenced code block
(```` ``` ```` or ``~~~``) whose body this script owns: it is replaced by what the marker produces.
Markers inside a fenced block are ignored. The block may be indented (in a list item); the new body
gets the fence's indentation. In a list item, put a one-line marker at the end of the text line just
before the block: a comment on a line of its own would end the list. The forms:

    <!-- run: stochdiff inspect examples/maml_linear.sd -->
        The body becomes "$ COMMAND", then the command's stdout. `stochdiff ARGS` runs as
        `sys.executable -m stochdiff ARGS` and `python ARGS` as `sys.executable ARGS` (so no console
        script or PATH is needed); other programs run as they are. Leading `NAME=value` words set
        environment variables. The command is split like a shell would (shlex), but there are no
        pipes, redirections or globs.

    <!-- run-python -->
        Must be followed by a fenced Python block (the code, left as it is), then (blank lines
        allowed) a second fenced block, whose body becomes what the code prints.

    <!-- run-python: path/to/snippet.py -->
        The body becomes what `python path/to/snippet.py` prints (the same as `run (bare): python ...`).

    <!-- run-python:
    print("hidden code: everything up to the closing line is the program")
    -->
        Hidden code: the comment's lines are the program; the next fenced block gets its output.
        (The code must not contain the characters that close an HTML comment.)

    <!-- include: examples/maml_linear.sd -->
        The body becomes the file's text.

Options go in parentheses before the colon, separated by commas or spaces, with shell-style quoting:
`<!-- run (exit 1, stderr): stochdiff check bad.sd -->`.

    exit N      the expected exit status (default 0); any other status is an error
    stderr      include stderr, interleaved with stdout in the order it is written
    bare        no "$ COMMAND" line (the default for the run-python forms)
    status      after the output, add the lines "$ echo $?" and the exit status
    lines A-B   keep only output lines A to B (1-based, inclusive; "A-" runs to the end)
    drop RE     remove output lines that match the regular expression RE (re.search)
    cwd DIR     run in DIR, relative to the repository root (default: the root)
    timeout S   seconds before the command is killed (default 300)

Where commands run. Every command runs in a scratch copy of the repository (git's tracked and
untracked-but-not-ignored files; the top-level Python packages are symlinked rather than copied),
so the relative paths in the docs work and any file a command writes (a PNG, `stochdiff demo`'s
plot) lands in the copy and is thrown away. `PYTHONPATH` is set to the copy's root, so the code
that runs is the checkout's. `PYTHONHASHSEED=0`, `PYTHONUNBUFFERED=1`, `MPLBACKEND=Agg` and
`COLUMNS=100` are set and `STOCHDIFF_EXAMPLES_TINY` is removed, so outputs do not depend on the
caller's environment.

Output. Trailing whitespace is stripped from every line and trailing blank lines are dropped;
the scratch directory's path, should it appear, is replaced by ".". Outputs must be deterministic:
fix seeds, and do not mark output that contains timings (leave such blocks unmarked, or cut the
timing lines out with `lines` or `drop`).

Blocks run in parallel (one worker per CPU); the exit status is 0 when every block is fresh (or was
rewritten), 1 when --check found a stale block, and 2 when a marker is malformed or a command fails.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MARKER = re.compile(r"<!--\s*(run-python|run|include)\s*(?:\((?P<opts>[^)]*)\))?\s*(?P<colon>:)?(?P<rest>.*)$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
OPTION_ARITY = {"exit": 1, "stderr": 0, "bare": 0, "status": 0, "lines": 1, "drop": 1, "cwd": 1, "timeout": 1}


class MarkerError(Exception):
    pass


@dataclass
class Block:
    """One marked block: what to run, and which lines of the file its output replaces."""

    path: Path
    line: int                      # 1-based line of the marker, for messages
    kind: str                      # "run", "run-python", "include"
    argument: str                  # the command, the snippet path, the hidden or inline code, the file
    options: dict = field(default_factory=dict)
    inline_code: bool = False      # argument is Python source (hidden or in the preceding block)
    body_start: int = 0            # 0-based index of the first body line
    body_end: int = 0              # 0-based index of the closing fence
    indent: str = ""               # the opening fence's indentation (a block in a list item), given to the body

    def where(self) -> str:
        return f"{display(self.path)}:{self.line}"


def display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def parse_options(text: str | None, where: str) -> dict:
    if not text:
        return {}
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace += ","
    lexer.whitespace_split = True
    words = list(lexer)
    options: dict = {}
    i = 0
    while i < len(words):
        name = words[i]
        if name not in OPTION_ARITY:
            raise MarkerError(f"{where}: unknown option {name!r} (known: {', '.join(OPTION_ARITY)})")
        if i + OPTION_ARITY[name] >= len(words):
            raise MarkerError(f"{where}: option {name!r} needs a value")
        if OPTION_ARITY[name]:
            value = words[i + 1]
            if name == "drop":
                options.setdefault("drop", []).append(re.compile(value))
            elif name in ("exit", "timeout"):
                try:
                    options[name] = int(value)
                except ValueError:
                    raise MarkerError(f"{where}: option {name!r} needs a whole number, not {value!r}") from None
            elif name == "lines":
                m = re.fullmatch(r"(\d+)-(\d*)", value)
                if not m:
                    raise MarkerError(f"{where}: option 'lines' needs A-B or A-, not {value!r}")
                options["lines"] = (int(m.group(1)), int(m.group(2)) if m.group(2) else None)
            else:
                options[name] = value
        else:
            options[name] = True
        i += 1 + OPTION_ARITY[name]
    return options


def next_fence(lines: list[str], i: int, where: str) -> tuple[int, int, str]:
    """The fenced block at line ``i`` (after blank lines): (first body line, closing fence line, indentation)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    m = FENCE.match(lines[i]) if i < len(lines) else None
    if not m:
        raise MarkerError(f"{where}: the marker must be followed by a fenced code block")
    fence = m.group("fence")
    for j in range(i + 1, len(lines)):
        if lines[j].strip() == fence[0] * len(lines[j].strip()) and len(lines[j].strip()) >= len(fence):
            return i + 1, j, m.group("indent")
    raise MarkerError(f"{where}: the fenced block opened at line {i + 1} is never closed")


def find_blocks(path: Path, lines: list[str]) -> list[Block]:
    blocks = []
    i = 0
    fence = None
    while i < len(lines):
        line = lines[i]
        fm = FENCE.match(line)
        if fence:
            if line.strip() and set(line.strip()) == {fence[0]} and len(line.strip()) >= len(fence):
                fence = None
            i += 1
            continue
        if fm:
            fence = fm.group("fence")
            i += 1
            continue
        m = MARKER.search(line.strip())
        if not m or (m.start() > 0 and not m.group("rest").rstrip().endswith("-->")):
            i += 1
            continue
        where = f"{display(path)}:{i + 1}"
        kind, rest = m.group(1), m.group("rest").strip()
        block = Block(path, i + 1, kind, "", parse_options(m.group("opts"), where))
        if kind == "run-python":
            block.options["bare"] = True
        if m.group("colon") and rest == "" and kind == "run-python" and m.start() == 0:
            # hidden code, up to the line that closes the comment
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "-->"), None)
            if end is None:
                raise MarkerError(f"{where}: the hidden code is never closed by a line '-->'")
            block.argument = textwrap.dedent("\n".join(lines[i + 1:end])) + "\n"
            block.inline_code = True
            after = end + 1
        else:
            if not rest.endswith("-->"):
                raise MarkerError(f"{where}: a marker is one line, ending with '-->'")
            rest = rest[:-3].strip()
            if kind == "run-python" and not m.group("colon"):
                if rest:
                    raise MarkerError(f"{where}: write 'run-python: FILE' or 'run-python' alone")
                code_start, code_end, _ = next_fence(lines, i + 1, where)
                block.argument = textwrap.dedent("\n".join(lines[code_start:code_end])) + "\n"
                block.inline_code = True
                after = code_end + 1
            else:
                if not m.group("colon") or not rest:
                    raise MarkerError(f"{where}: write '{kind}: ...' (the command or file after a colon)")
                block.argument = rest
                after = i + 1
        block.body_start, block.body_end, block.indent = next_fence(lines, after, where)
        blocks.append(block)
        i = block.body_end + 1
    return blocks


def make_scratch(directory: Path) -> None:
    """Copy the repository into ``directory`` (Python packages at the top are symlinked)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
        files = [f for f in listed if f]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", "site", ".venv", "__pycache__", ".pytest_cache", ".hypothesis"}
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)]
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    for name in packages:
        (directory / name).symlink_to(ROOT / name, target_is_directory=True)
    for rel in files:
        if rel.split("/", 1)[0] in packages:
            continue
        src = ROOT / rel
        if not src.is_file():
            continue                                  # deleted in the working tree
        dst = directory / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def command_line(text: str, where: str) -> tuple[list[str], dict]:
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise MarkerError(f"{where}: cannot split the command: {err}") from None
    env = {}
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if not words:
        raise MarkerError(f"{where}: an empty command")
    if words[0] == "stochdiff":
        words = [sys.executable, "-m", "stochdiff"] + words[1:]
    elif words[0] in ("python", "python3"):
        words = [sys.executable] + words[1:]
    return words, env


def render(block: Block, scratch: Path) -> list[str]:
    """The new body of ``block``, as lines."""
    where = block.where()
    opts = block.options
    if block.kind == "include":
        try:
            text = (ROOT / block.argument).read_text()
        except OSError as err:
            raise MarkerError(f"{where}: cannot read {block.argument}: {err}") from None
        return clean(text, opts, scratch)

    env = {k: v for k, v in os.environ.items() if k != "STOCHDIFF_EXAMPLES_TINY"}
    env.update(PYTHONHASHSEED="0", PYTHONUNBUFFERED="1", MPLBACKEND="Agg", COLUMNS="100",
               PYTHONPATH=os.pathsep.join([str(scratch)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    stdin = None
    if block.inline_code:
        argv, extra = [sys.executable, "-"], {}
        stdin = block.argument
    elif block.kind == "run-python":
        argv, extra = [sys.executable, block.argument], {}
    else:
        argv, extra = command_line(block.argument, where)
    env.update(extra)
    cwd = scratch / opts.get("cwd", ".")
    try:
        result = subprocess.run(argv, cwd=cwd, env=env, input=stdin, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT if opts.get("stderr") else subprocess.PIPE,
                                timeout=opts.get("timeout", 300))
    except subprocess.TimeoutExpired:
        raise MarkerError(f"{where}: timed out after {opts.get('timeout', 300)} s") from None
    except OSError as err:
        raise MarkerError(f"{where}: cannot run {argv[0]}: {err}") from None
    if result.returncode != opts.get("exit", 0):
        raise MarkerError(f"{where}: exited with status {result.returncode}, expected {opts.get('exit', 0)}\n"
                          f"{result.stdout}{result.stderr or ''}")
    out = clean(result.stdout, opts, scratch)
    if not opts.get("bare"):
        out = [f"$ {block.argument}"] + out
    if opts.get("status"):
        out += ["$ echo $?", str(result.returncode)]
    return out


def timed(block: Block, scratch: Path, report: bool) -> list[str]:
    start = time.perf_counter()
    try:
        return render(block, scratch)
    finally:
        if report:
            print(f"regen: {time.perf_counter() - start:6.2f} s  {block.where()}", file=sys.stderr)


def clean(text: str, opts: dict, scratch: Path) -> list[str]:
    text = text.replace(str(scratch) + os.sep, "").replace(str(scratch), ".")
    lines = [line.rstrip() for line in text.splitlines()]
    if "lines" in opts:
        a, b = opts["lines"]
        lines = lines[a - 1:b]
    for pattern in opts.get("drop", []):
        lines = [line for line in lines if not pattern.search(line)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 with a diff if a block is stale")
    ap.add_argument("--times", action="store_true", help="print how long each block took (on stderr)")
    ap.add_argument("files", nargs="*", help="Markdown files (default: README.md and docs/*.md)")
    args = ap.parse_args(argv)
    paths = [Path(f).resolve() for f in args.files] or [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))

    texts, blocks = {}, []
    try:
        for path in paths:
            texts[path] = path.read_text()
            blocks += find_blocks(path, texts[path].split("\n"))
    except MarkerError as err:
        print(f"regen: {err}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="stochdiff-docs-") as tmp:
        scratch = Path(tmp).resolve()
        make_scratch(scratch)
        workers = max(1, min(len(blocks), os.cpu_count() or 2))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {pool.submit(timed, b, scratch, args.times): b for b in blocks}
            errors, bodies = [], {}
            for future in concurrent.futures.as_completed(futures):
                try:
                    bodies[id(futures[future])] = future.result()
                except MarkerError as err:
                    errors.append(str(err))
    if errors:
        for err in sorted(errors):
            print(f"regen: {err}", file=sys.stderr)
        return 2

    stale = False
    for path in paths:
        old = texts[path]
        lines = old.split("\n")
        for block in sorted((b for b in blocks if b.path == path), key=lambda b: -b.body_start):
            lines[block.body_start:block.body_end] = [block.indent + line if line else line
                                                      for line in bodies[id(block)]]
        new = "\n".join(lines)
        if new == old:
            continue
        rel = display(path)
        if args.check:
            stale = True
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       *((f"a/{rel}", f"b/{rel}") if path.is_relative_to(ROOT) else (rel, rel))))
        else:
            path.write_text(new)
            print(f"regen: updated {rel}")
    if stale:
        print("regen: the blocks above are stale; run `python docs/regen.py` to regenerate them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
