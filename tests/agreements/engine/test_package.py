"""The agreement engine is pure Python: no Django anywhere under agreements/engine."""

import ast
import subprocess
import sys
from pathlib import Path

import agreements.engine

ENGINE_DIR = Path(agreements.engine.__file__).parent


def test_no_module_imports_django():
    for path in ENGINE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path


def test_importing_the_engine_does_not_load_django():
    code = "import sys, agreements.engine; sys.exit('django' in sys.modules)"
    root = ENGINE_DIR.parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
