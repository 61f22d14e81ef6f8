"""m365agents.yml, checked by Microsoft 365 Agents Toolkit's own CLI, offline.

``atk provision --env dev`` reads the project file against the schema bundled with the CLI,
validates the manifest template (filled from manifest/env/.env.dev) against the Teams manifest
schema, and zips it with the icons. The zip must hold the same manifest that
``uppdragsbot manifest`` builds from the same values, so the toolkit's path and the README's
give one app. The CLI comes from ``make agents-toolkit-install`` (``.ci/run`` runs it); where it
is missing the test is skipped, except in CI (``CI=true`` or ``REQUIRE_AGENTS_TOOLKIT=1``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from dotenv import dotenv_values

from manifest.build import build_package, package_version

REPO = Path(__file__).resolve().parents[1]
ATK = REPO / ".atk" / "node_modules" / ".bin" / "atk"
ENV_FILE = REPO / "manifest" / "env" / ".env.dev"


@pytest.fixture
def atk() -> Path:
    if not ATK.exists():
        reason = "the Agents Toolkit CLI is not installed (make agents-toolkit-install)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("REQUIRE_AGENTS_TOOLKIT") == "1":
            pytest.fail(f"{reason}; required in CI", pytrace=False)
        pytest.skip(reason)
    return ATK


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the toolkit project's files (provisioning rewrites the env file it reads)."""
    shutil.copy(REPO / "m365agents.yml", tmp_path)
    (tmp_path / "manifest").mkdir()
    for name in ("manifest.template.json", "color.png", "outline.png"):
        shutil.copy(REPO / "manifest" / name, tmp_path / "manifest")
    shutil.copytree(REPO / "manifest" / "env", tmp_path / "manifest" / "env")
    return tmp_path


def provision(atk: Path, project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(atk), "provision", "--env", "dev", "--telemetry", "false", "-i", "false"],
                          cwd=project, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "NO_COLOR": "1"})


def test_the_toolkit_builds_the_same_package_as_uppdragsbot_manifest(atk, project, tmp_path):
    run = provision(atk, project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with zipfile.ZipFile(project / "manifest" / "build" / "appPackage.dev.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        by_toolkit = json.loads(package.read("manifest.json"))
    values = {k: v or "" for k, v in dotenv_values(ENV_FILE).items() if k != "TEAMSFX_ENV"}
    assert values["APP_VERSION"] == package_version(), "manifest/env/.env.dev's APP_VERSION is pyproject.toml's"
    with zipfile.ZipFile(build_package(values, tmp_path / "ours.zip")) as package:
        assert by_toolkit == json.loads(package.read("manifest.json"))


@pytest.mark.parametrize("breakage, said", [
    ("unknown-action", "InvalidYamlSchemaError"),
    ("bot-id-not-a-guid", "/bots/0/botId"),
    ("name-too-long", "/name/short must NOT have more than 30 characters"),
])
def test_the_toolkit_refuses_a_broken_project(atk, project, breakage, said):
    if breakage == "unknown-action":
        yml = project / "m365agents.yml"
        yml.write_text(yml.read_text().replace("teamsApp/validateManifest", "teamsApp/validate"))
    else:
        env = project / "manifest" / "env" / ".env.dev"
        setting = ("BOT_ID=inte-ett-id" if breakage == "bot-id-not-a-guid"
                   else "APP_NAME_SUFFIX= för uppföljning av uppdrag")
        env.write_text(env.read_text() + "\n" + setting)
    run = provision(atk, project)
    assert run.returncode == 1 and said in run.stdout + run.stderr
    assert not (project / "manifest" / "build" / "appPackage.dev.zip").exists()
