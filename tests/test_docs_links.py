"""Every relative link in the repository's Markdown files points at a file inside the repository
that exists. Web links (http, https, mailto) and in-page anchors are not checked."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folders that are not the project's own documents: tools, caches, build and demo output.
SKIPPED_DIRS = frozenset({"node_modules", "venv", "build", "dist", "demo-tour", "__pycache__"})
WEB_SCHEMES = ("http:", "https:", "mailto:")

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)[^`\n].*?\1")
_INLINE = re.compile(r"!?\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^)\s]+)(?:\s+[\"'(][^)\n]*)?\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*.md")):
        parts = path.relative_to(root).parts[:-1]
        if any(p.startswith(".") or p in SKIPPED_DIRS or p.endswith(".egg-info") for p in parts):
            continue
        found.append(path)
    return found


def link_targets(text: str) -> list[str]:
    """The targets of inline links, images and reference definitions, outside code."""
    text = _CODE_SPAN.sub("", _FENCE.sub("", text))
    targets = [m.group(1) for m in _INLINE.finditer(text)] + [m.group(1) for m in _REFERENCE.finditer(text)]
    return [t[1:-1] if t.startswith("<") and t.endswith(">") else t for t in targets]


def broken_links(markdown: Path, root: Path) -> list[str]:
    """What is wrong with each link of ``markdown`` that does not lead to a file in ``root``."""
    problems = []
    root = root.resolve()
    for target in link_targets(markdown.read_text(encoding="utf-8")):
        if target.startswith("#") or target.lower().startswith(WEB_SCHEMES):
            continue
        if _SCHEME.match(target):
            problems.append(f"{target}: not a path in the repository")
            continue
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if path.startswith("/"):
            problems.append(f"{target}: absolute path (use a path relative to {markdown.name})")
            continue
        resolved = (markdown.parent / path).resolve()
        if not resolved.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
    return problems


def test_the_repository_has_markdown_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files(ROOT)}
    assert {"README.md", "docs/architecture.md"} <= names


@pytest.mark.parametrize("markdown", markdown_files(ROOT), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_lead_to_files_in_the_repository(markdown: Path) -> None:
    assert broken_links(markdown, ROOT) == []


def test_the_check_finds_each_kind_of_broken_link(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "there.md").write_text("# There\n", encoding="utf-8")
    page = repo / "docs" / "page.md"
    page.write_text(
        "\n".join(
            [
                "[fine](there.md) [fine too](../docs/there.md#there) ![image](<there.md>)",
                "[web](https://example.org/x.md) [anchor](#top) [mail](mailto:a@example.org)",
                "[outside](../../shared/DESIGN.md) [missing](gone.md) [absolute](/etc/passwd)",
                "[file](file:///work/shared/DESIGN.md)",
                "[ref]: ../../elsewhere.md",
                "`[in code](nowhere.md)`",
                "```",
                "[in a fence](nowhere.md)",
                "```",
            ]
        ),
        encoding="utf-8",
    )
    assert broken_links(page, repo) == [
        "../../shared/DESIGN.md: outside the repository",
        "gone.md: no such file",
        "/etc/passwd: absolute path (use a path relative to page.md)",
        "file:///work/shared/DESIGN.md: not a path in the repository",
        "../../elsewhere.md: outside the repository",
    ]
