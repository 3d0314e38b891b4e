"""The wheel ships the default content pack and the schemas: an installed package needs no checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_ships_content_and_schemas_and_loads_them(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("secondvictim_core-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "secondvictim_core/_data/content/pack.yaml" in names
    assert "secondvictim_core/_data/schemas/v1/bundle.schema.json" in names
    assert any(n.startswith("secondvictim_core/_data/content/stories/") for n in names)
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # a wheel is an installable zip of the package tree
    code = ("import secondvictim_core as sv, secondvictim_core._paths as p; "
            "b = sv.load(plugins=sv.get_plugin_manager(load_entrypoints=False)); "
            "print(len(b), p.default_pack().relative_to(p._PACKAGE))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    count, where = done.stdout.split()
    assert int(count) > 100 and where == "_data/content"
