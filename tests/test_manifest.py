"""Teams app manifest: rendering, schema validation (offline), packaging and CLI."""

from __future__ import annotations

import copy
import json
import os
import re
import struct
import subprocess
import sys
import tomllib
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from manifest import build
from manifest.build import ManifestError, build_package, main, render, validate

REPO = Path(__file__).resolve().parents[1]
BOT_ID = "2b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a90"
APP_ID = "d1c6a0f2-3b4e-4c5d-8e9f-a0b1c2d3e4f5"
DOMAIN = "uppdrag.example.se"
VALUES = {"BOT_ID": BOT_ID, "BOT_DOMAIN": DOMAIN, "TEAMS_APP_ID": APP_ID}
PROJECT_VERSION = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
ENV_NAMES = ("BOT_ID", "MicrosoftAppId", "BOT_DOMAIN", "TEAMS_APP_ID", "APP_NAME_SUFFIX")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def manifest() -> dict:
    return render(VALUES)


# ------------------------------------------------------------------ PNG helpers
# Independent of manifest.build on purpose: the tests read the files themselves.


def png_header(data: bytes) -> dict:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return {"width": width, "height": height, "depth": depth, "colour_type": colour_type, "interlace": interlace}


def png_rgba(data: bytes) -> list[list[tuple[int, int, int, int]]]:
    """Decode an 8-bit, non-interlaced RGB/RGBA/grey+alpha PNG into RGBA rows."""
    head = png_header(data)
    assert head["depth"] == 8 and head["interlace"] == 0
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[head["colour_type"]]
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    w, h, bpp = head["width"], head["height"], channels
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            else:
                assert ftype == 0, f"bad filter {ftype}"
        prev = line
        px = [tuple(line[x * bpp : (x + 1) * bpp]) for x in range(w)]
        if channels == 1:
            px = [(g, g, g, 255) for (g,) in px]
        elif channels == 2:
            px = [(g, g, g, al) for g, al in px]
        elif channels == 3:
            px = [(r, g, b, 255) for r, g, b in px]
        rows.append(px)
    return rows


# ----------------------------------------------------------------------- render


def test_rendered_manifest_validates_against_official_schema(manifest):
    validate(manifest)  # raises on any schema error
    assert manifest["manifestVersion"] == "1.25"
    assert manifest["$schema"] == "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"
    assert manifest["version"] == PROJECT_VERSION  # the app package's version is the project's
    assert manifest["id"] == APP_ID
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "sv-SE"
    assert manifest["name"]["short"] == "Uppdragsboten"
    assert manifest["developer"]["name"] == "Uppdragsboten"
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith(f"https://{DOMAIN}/")
    assert manifest["validDomains"] == [DOMAIN]


def test_bot_section(manifest):
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert bot["isNotificationOnly"] is False
    covered = {scope for cl in bot["commandLists"] for scope in cl["scopes"]}
    assert covered == {"personal", "team", "groupChat"}
    for cl in bot["commandLists"]:
        titles = [c["title"] for c in cl["commands"]]
        assert {"status för TN-uppdrag", "visa ej genomförda uppdrag", "hur går det med", "hjälp"} <= set(titles)
        for command in cl["commands"]:
            assert len(command["title"]) <= 32  # Teams UI limit, stricter than the schema
            assert command["description"].strip()


def test_swedish_text_survives_rendering(manifest):
    assert "nämndernas" in manifest["description"]["short"]
    assert "å" in manifest["description"]["full"] and "ö" in manifest["description"]["full"]
    assert len(manifest["description"]["short"]) <= 80


def test_no_placeholder_left_after_render(manifest):
    text = json.dumps(manifest, ensure_ascii=False)
    assert "${{" not in text and "}}" not in text
    template = build.TEMPLATE_PATH.read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{\{(\w+)\}\}", template)) == {"TEAMS_APP_ID", "BOT_ID", "BOT_DOMAIN", "APP_NAME_SUFFIX",
                                                                   "APP_VERSION"}


@pytest.mark.parametrize("name", ["BOT_ID", "BOT_DOMAIN"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_render_missing_value_names_placeholder(name, how):
    values = dict(VALUES)
    if how == "absent":
        del values[name]
    else:
        values[name] = "  "
    with pytest.raises(ManifestError, match=re.escape("${{" + name + "}}")):
        render(values)


def test_teams_app_id_defaults_to_stable_uuid5_of_bot_id():
    values = {"BOT_ID": BOT_ID, "BOT_DOMAIN": DOMAIN}
    first, second = render(values)["id"], render(dict(values))["id"]
    assert first == second != BOT_ID
    assert uuid.UUID(first).version == 5
    other = render({"BOT_ID": "0b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a91", "BOT_DOMAIN": DOMAIN})["id"]
    assert other != first
    assert render({**values, "TEAMS_APP_ID": APP_ID})["id"] == APP_ID


@pytest.mark.parametrize("name", ["BOT_ID", "TEAMS_APP_ID"])
@pytest.mark.parametrize(
    "bad",
    [
        "not-a-guid",
        "{2b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a90}",
        "2b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a9",
        "2b5b1c3e8a7f4d2e9c1a0f3e6d7b8a90",
        "2b5b1c3e-8a7f-4d2e-9c1a-0f3e6d7b8a90\nx",
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_render_rejects_bad_guid(name, bad):
    with pytest.raises(ManifestError, match=name):
        render({**VALUES, name: bad})


@pytest.mark.parametrize(
    "bad",
    [
        "https://uppdrag.example.se",
        "https://uppdrag.example.se/api/messages",
        "//uppdrag.example.se",
        "uppdrag.example.se/api/messages",
        "uppdrag.example.se:3978",
        "uppdrag example.se",
        "-uppdrag.example.se",
        "uppdrag..example.se",
        "*.example.se",
    ],
)
def test_render_rejects_domain_that_is_not_a_bare_host(bad):
    with pytest.raises(ManifestError, match="BOT_DOMAIN"):
        render({**VALUES, "BOT_DOMAIN": bad})


def test_domain_with_scheme_gets_a_suggestion():
    with pytest.raises(ManifestError, match="did you mean 'uppdrag.example.se'"):
        render({**VALUES, "BOT_DOMAIN": "https://uppdrag.example.se/api/messages"})


def test_domain_is_normalised_and_idn_encoded():
    assert render({**VALUES, "BOT_DOMAIN": " Uppdrag.Example.SE. "})["validDomains"] == [DOMAIN]
    m = render({**VALUES, "BOT_DOMAIN": "uppdrag.malmö.se"})
    assert m["validDomains"] == ["uppdrag.xn--malm-8qa.se"]
    assert m["developer"]["websiteUrl"] == "https://uppdrag.xn--malm-8qa.se/"
    validate(m)


def test_app_name_suffix_is_inserted_verbatim_and_json_safe():
    m = render({**VALUES, "APP_NAME_SUFFIX": ' (test "å")'})
    assert m["name"]["short"] == 'Uppdragsboten (test "å")'
    assert m["name"]["full"].startswith('Uppdragsboten (test "å") – ')
    validate(m)


def test_value_containing_placeholder_syntax_is_rejected():
    with pytest.raises(ManifestError, match=re.escape("${{")):
        render({**VALUES, "APP_NAME_SUFFIX": "${{BOT_ID}}"})


# --------------------------------------------------------------------- validate


def _del(path):
    def mutate(m):
        *parents, last = path
        target = m
        for key in parents:
            target = target[key]
        del target[last]

    return mutate


def _set(path, value):
    def mutate(m):
        *parents, last = path
        target = m
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


@pytest.mark.parametrize(
    "mutate, where",
    [
        (_del(["bots", 0, "botId"]), "$.bots[0]"),
        (_set(["version"], "x"), "$.version"),
        (_set(["manifestVersion"], "1.24"), "$.manifestVersion"),  # needs "const", which draft-04 lacks
        (_set(["id"], "not-a-guid"), "$.id"),
        (_set(["accentColor"], "blue"), "$.accentColor"),
        (_set(["name", "short"], "U" * 31), "$.name.short"),
        (_set(["description", "short"], "ö" * 81), "$.description.short"),
        (_del(["developer", "privacyUrl"]), "$.developer"),
        (_set(["developer", "websiteUrl"], "ftp://uppdrag.example.se/"), "$.developer.websiteUrl"),
        (_set(["bots", 0, "scopes"], ["personal", "kanal"]), "$.bots[0].scopes[1]"),
        (_set(["unknownField"], True), "$"),
        (_del(["icons"]), "$"),
    ],
)
def test_validate_rejects_broken_manifest(manifest, mutate, where):
    broken = copy.deepcopy(manifest)
    mutate(broken)
    with pytest.raises(ManifestError) as info:
        validate(broken)
    assert where in [path for path, _ in info.value.errors]
    assert where in str(info.value)


def test_validate_rejects_unrendered_template():
    with pytest.raises(ManifestError, match=re.escape("$.bots[0].botId")):
        validate(build.load_template())


def test_validate_uses_schema_override(monkeypatch, tmp_path, manifest):
    wrong = tmp_path / "MicrosoftTeams.schema.json"
    wrong.write_text(json.dumps({"properties": {"manifestVersion": {"const": "1.17"}}}), encoding="utf-8")
    monkeypatch.setenv(build.SCHEMA_ENV, str(wrong))
    with pytest.raises(ManifestError, match="1.17"):
        validate(manifest)
    monkeypatch.setenv(build.SCHEMA_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(ManifestError, match=build.SCHEMA_ENV):
        validate(manifest)


# ---------------------------------------------------------------------- package


def test_build_package_writes_zip_with_manifest_and_icons(tmp_path, manifest):
    out = build_package(VALUES, tmp_path / "pkg" / "uppdragsboten.zip")
    assert out == tmp_path / "pkg" / "uppdragsboten.zip" and out.is_file()
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        packaged = json.loads(zf.read("manifest.json").decode("utf-8"))
        color, outline = zf.read("color.png"), zf.read("outline.png")
    assert packaged == manifest
    assert packaged["icons"] == {"color": "color.png", "outline": "outline.png"}

    head = png_header(color)
    assert (head["width"], head["height"]) == (192, 192)
    assert head["colour_type"] in (2, 6)  # full colour
    pixels = png_rgba(color)
    assert len({px[:3] for row in pixels for px in row}) > 2  # not a blank square
    assert pixels[0][0][3] == 255 and pixels[96][96][3] == 255  # opaque background

    head = png_header(outline)
    assert (head["width"], head["height"]) == (32, 32)
    assert head["colour_type"] in (4, 6)  # has an alpha channel
    pixels = png_rgba(outline)
    alphas = [px[3] for row in pixels for px in row]
    assert all(pixels[y][x][3] == 0 for y, x in [(0, 0), (0, 31), (31, 0), (31, 31)])
    assert alphas.count(0) > len(alphas) // 2  # transparent background
    assert any(a == 255 for a in alphas)  # and a visible glyph
    assert all(px[:3] == (255, 255, 255) for row in pixels for px in row if px[3])  # white only


def test_build_package_is_reproducible(tmp_path):
    a = build_package(VALUES, tmp_path / "a.zip")
    b = build_package(VALUES, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:  # fixed timestamps, so rebuilding later gives the same bytes
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_build_package_writes_nothing_on_bad_input(tmp_path):
    out = tmp_path / "out" / "uppdragsboten.zip"
    with pytest.raises(ManifestError):
        build_package({**VALUES, "BOT_DOMAIN": "https://x.example.se"}, out)
    assert not out.exists()


# -------------------------------------------------------------------------- CLI


def test_cli_builds_package(clean_env, tmp_path, capsys):
    out = tmp_path / "uppdragsboten.zip"
    assert main(["--bot-id", BOT_ID, "--domain", DOMAIN, "--out", str(out), "--name-suffix", " (test)"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    with zipfile.ZipFile(out) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert m["bots"][0]["botId"] == BOT_ID
    assert m["id"] == build.default_app_id(BOT_ID)
    assert m["name"]["short"] == "Uppdragsboten (test)"


@pytest.mark.parametrize("bot_var", ["BOT_ID", "MicrosoftAppId"])
def test_cli_reads_environment(clean_env, tmp_path, capsys, bot_var):
    clean_env.setenv(bot_var, BOT_ID)
    clean_env.setenv("BOT_DOMAIN", DOMAIN)
    clean_env.setenv("TEAMS_APP_ID", APP_ID)
    out = tmp_path / "env.zip"
    assert main(["--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        m = json.loads(zf.read("manifest.json"))
    assert (m["id"], m["bots"][0]["botId"], m["validDomains"]) == (APP_ID, BOT_ID, [DOMAIN])


def test_cli_arguments_override_environment(clean_env, tmp_path):
    clean_env.setenv("BOT_ID", "not-a-guid")
    clean_env.setenv("BOT_DOMAIN", "https://wrong.example.se")
    assert main(["--bot-id", BOT_ID, "--domain", DOMAIN, "--out", str(tmp_path / "o.zip")]) == 0


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--bot-id", "nope", "--domain", DOMAIN], "BOT_ID must be a GUID"),
        (["--bot-id", BOT_ID, "--domain", "https://uppdrag.example.se/"], "BOT_DOMAIN must be a bare host name"),
        (["--bot-id", BOT_ID, "--domain", DOMAIN, "--app-id", "123"], "TEAMS_APP_ID must be a GUID"),
        (["--domain", DOMAIN], "--bot-id"),
        (["--bot-id", BOT_ID], "--domain"),
        ([], "missing the bot id"),
        (["--bot-id", BOT_ID, "--domain", DOMAIN, "--name-suffix", " med ett alldeles för långt namn"],
         "APP_NAME_SUFFIX makes the app's short name"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(clean_env, tmp_path, capsys, argv, expected):
    out = tmp_path / "never.zip"
    assert main([*argv, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert captured.out == ""
    assert not out.exists()


def test_cli_as_module_exit_code(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    cmd = [sys.executable, "-m", "manifest.build", "--bot-id", BOT_ID, "--domain", "https://x.se", "--out", str(tmp_path / "x.zip")]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "BOT_DOMAIN" in proc.stderr and "Traceback" not in proc.stderr
    cmd[cmd.index("https://x.se")] = "x.se"
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == tmp_path / "x.zip"


# ------------------------------------------------------------ uppdragsbot manifest


def uppdragsbot_manifest(tmp_path: Path, monkeypatch, capsys, **settings: str) -> tuple[int, str, Path]:
    """``uppdragsbot manifest --out …`` with these settings in its .env file (and no others)."""
    from bot.cli import main as cli_main

    for name in (*ENV_NAMES, "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f'{name}="{value}"\n' for name, value in settings.items()), "utf-8")
    out = tmp_path / "appPackage.zip"
    code = cli_main(["--env-file", str(env_file), "manifest", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err, out


def test_uppdragsbot_manifest_builds_the_package_from_the_configuration(tmp_path, monkeypatch, capsys):
    code, output, out = uppdragsbot_manifest(tmp_path, monkeypatch, capsys, MicrosoftAppId=BOT_ID,
                                             BOT_DOMAIN=DOMAIN, APP_NAME_SUFFIX=" (test)")
    assert code == 0, output
    with zipfile.ZipFile(out) as package:
        written = json.loads(package.read("manifest.json"))
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    validate(written)
    assert written["bots"][0]["botId"] == BOT_ID and written["version"] == PROJECT_VERSION
    assert written["id"] == str(uuid.uuid5(build.APP_ID_NAMESPACE, BOT_ID))  # stable for the bot
    assert written["name"]["short"] == "Uppdragsboten (test)"
    assert written["developer"]["websiteUrl"] == f"https://{DOMAIN}/"
    assert str(out) in output


@pytest.mark.parametrize("settings, named", [
    ({"BOT_DOMAIN": DOMAIN}, "MicrosoftAppId is not set"),
    ({}, "BOT_DOMAIN and MicrosoftAppId are not set"),
    ({"MicrosoftAppId": "not-a-guid", "BOT_DOMAIN": DOMAIN}, "MicrosoftAppId must be a GUID"),
    ({"MicrosoftAppId": BOT_ID}, "BOT_DOMAIN is not set"),
    ({"MicrosoftAppId": BOT_ID, "BOT_DOMAIN": "https://uppdrag.example.se/api"}, "BOT_DOMAIN must be a bare host"),
    ({"MicrosoftAppId": BOT_ID, "BOT_DOMAIN": DOMAIN, "TEAMS_APP_ID": "{" + APP_ID + "}"}, "TEAMS_APP_ID must be a GUID"),
    ({"MicrosoftAppId": BOT_ID, "BOT_DOMAIN": DOMAIN, "APP_NAME_SUFFIX": " för Storstadens kommun"},
     "APP_NAME_SUFFIX makes the app's short name"),
])
def test_uppdragsbot_manifest_names_the_setting_and_writes_nothing(tmp_path, monkeypatch, capsys, settings, named):
    code, output, out = uppdragsbot_manifest(tmp_path, monkeypatch, capsys, **settings)
    assert code == 2
    assert named in output and "the app package was not written" in output
    assert not out.exists() and list(tmp_path.glob("*.zip")) == [] and "Traceback" not in output
