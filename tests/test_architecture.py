"""The layering rule (STYLE.md, "Layout"), enforced with import-linter.

Apps depend one way: outcomes_link > social_value > contracts > commissioning. Nothing imports
upward, except the composition root (commissioning/settings/, urls.py, api_router.py, wsgi.py,
asgi.py), which wires every app together. The contract lives in .importlinter at the project
root; these tests run `lint-imports` on the real tree, then on a copy with a planted upward
import, so the check is shown to fail when it should and to allow the composition root.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("commissioning", "contracts", "social_value", "outcomes_link")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    try:
        import importlinter  # noqa: F401
    except ImportError:  # pragma: no cover - a missing dev dependency must fail loudly, not skip
        pytest.fail("import-linter is not installed: install the dev dependencies (pip install -e '.[dev]').")
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
    ]
    return subprocess.run(  # noqa: S603 - fixed command, no user input
        [*command, "--config", str(cwd / ".importlinter"), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    """The four apps' Python sources and .importlinter, copied so a test can plant an import."""
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            root / package,
            ignore=lambda d, names: (
                [n for n in names if not (n.endswith(".py") or (Path(d) / n).is_dir())]
                + [n for n in names if n == "__pycache__"]
            ),
        )
    shutil.copy(ROOT / ".importlinter", root / ".importlinter")
    return root


def _plant(root: Path, module: str, line: str):
    path = root / (module.replace(".", "/") + ".py")
    original = path.read_text() if path.exists() else None
    path.write_text((original or "") + f"\n{line}\n")
    return path, original


def _restore(path: Path, original: str | None) -> None:
    if original is None:
        path.unlink()
    else:
        path.write_text(original)


def test_apps_import_only_downwards():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("commissioning.services", "import contracts.models"),
        ("commissioning.selectors", "from outcomes_link.selectors import outcome_overview"),
        ("contracts.services", "from outcomes_link import models"),
        ("commissioning.templatetags.gt", "import social_value.models"),
    ],
)
def test_an_upward_import_breaks_the_contract(tree_copy, module, line):
    path, original = _plant(tree_copy, module, line)
    try:
        result = _lint_imports(tree_copy)
    finally:
        _restore(path, original)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert f"{module} ->" in result.stdout


@pytest.mark.parametrize(
    "module",
    [
        "commissioning.urls",
        "commissioning.api_router",
        "commissioning.wsgi",
        "commissioning.asgi",
        "commissioning.settings.base",
        "commissioning.settings",
    ],
)
def test_the_composition_root_may_import_any_app(tree_copy, module):
    if module == "commissioning.settings":
        module = "commissioning.settings.__init__"
    path, original = _plant(tree_copy, module, "import outcomes_link.selectors, contracts.views, social_value.models")
    try:
        result = _lint_imports(tree_copy)
    finally:
        _restore(path, original)
    assert result.returncode == 0, result.stdout + result.stderr
