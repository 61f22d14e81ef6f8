"""Render, validate and package the Teams app manifest for Uppdragsboten.

``manifest.template.json`` uses Teams Toolkit style placeholders (``${{BOT_ID}}``).
:func:`render` fills them in, :func:`validate` checks the result against the
Teams manifest v1.25 JSON schema (offline, from a local copy) and
:func:`build_package` writes the zip that is uploaded to Teams::

    python -m manifest.build --bot-id <GUID> --domain bot.example.se

Values not given on the command line come from the environment:
``BOT_ID`` (or ``MicrosoftAppId``), ``BOT_DOMAIN``, ``TEAMS_APP_ID`` and
``APP_NAME_SUFFIX``.  ``TEAMS_APP_ID`` defaults to a uuid5 derived from the bot
id, so rebuilding for the same bot keeps the same Teams app.

The schema is looked up in ``$TEAMS_MANIFEST_SCHEMA``, then next to this file
(``manifest/MicrosoftTeams.schema.json``), then in the shared schema folder
beside the repository (``../shared/schemas/teams-manifest-v1.25/``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
TEMPLATE_PATH = HERE / "manifest.template.json"
DEFAULT_OUT = HERE / "build" / "uppdragsboten.zip"
MANIFEST_VERSION = "1.25"
SCHEMA_ENV = "TEAMS_MANIFEST_SCHEMA"
SCHEMA_FILE = "MicrosoftTeams.schema.json"
SCHEMA_CANDIDATES = (
    HERE / SCHEMA_FILE,
    HERE.parent.parent / "shared" / "schemas" / f"teams-manifest-v{MANIFEST_VERSION}" / SCHEMA_FILE,
)

# Placeholders that may be left out; everything else in the template is required.
# APP_VERSION: the app package's version, the project's own (pyproject.toml) unless given.
OPTIONAL_DEFAULTS = {"APP_NAME_SUFFIX": "", "APP_VERSION": ""}
SHORT_NAME_MAX = 30  # Teams shows at most 30 characters of the app's short name
GUID_PLACEHOLDERS = ("BOT_ID", "TEAMS_APP_ID")
DOMAIN_PLACEHOLDER = "BOT_DOMAIN"
# Fixed namespace for deriving TEAMS_APP_ID from BOT_ID; never change it, or
# every tenant gets a "new" app on the next build.
APP_ID_NAMESPACE = uuid.UUID("5da06618-99e4-4852-b2d9-97acdb001b21")
ICON_SIZES = {"color": (192, 192), "outline": (32, 32), "color32x32": (32, 32)}

_PLACEHOLDER = re.compile(r"\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")  # an Entra app or tenant id
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # fixed, so identical input gives an identical zip


class ManifestError(ValueError):
    """Bad input values or a manifest that does not validate.

    ``errors`` holds ``(json_path, message)`` pairs when raised by :func:`validate`.
    """

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.errors = errors or []


# --------------------------------------------------------------------------- render


def default_app_id(bot_id: str) -> str:
    """The stable Teams app id used when TEAMS_APP_ID is not given."""
    return str(uuid.uuid5(APP_ID_NAMESPACE, bot_id.strip().lower()))


def load_template() -> dict:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def placeholders(obj: Any) -> set[str]:
    """Names of all ``${{NAME}}`` placeholders in a JSON value."""
    return {name for text in _strings(obj) for name in _PLACEHOLDER.findall(text)}


def package_version() -> str:
    """The installed project's version (pyproject.toml), the app package's default version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uppdragsboten")
    except PackageNotFoundError:
        return "1.0.0"


def render(values: Mapping[str, str], labels: Mapping[str, str] | None = None) -> dict:
    """Return the template with every ``${{NAME}}`` filled from ``values``.

    ``TEAMS_APP_ID`` defaults to :func:`default_app_id` of ``BOT_ID`` and
    ``APP_NAME_SUFFIX`` to ``""``; any other missing or empty value raises
    :class:`ManifestError` naming the placeholder.  Ids must be GUIDs and
    ``BOT_DOMAIN`` a bare host name (it is lower-cased, and an international
    name such as ``malmö.se`` is converted to its ``xn--`` form). ``labels`` names each
    placeholder in the messages as its user knows it (``BOT_ID`` is ``MicrosoftAppId`` in
    the bot's configuration).
    """
    template = load_template()
    resolved = _resolve(values, placeholders(template), labels or {})

    def fill(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: resolved[m.group(1)], text)

    manifest = _map_strings(template, fill)
    short = manifest.get("name", {}).get("short", "")
    if len(short) > SHORT_NAME_MAX:
        suffix = (labels or {}).get("APP_NAME_SUFFIX", "APP_NAME_SUFFIX")
        raise ManifestError(f"{suffix} makes the app's short name {short!r} {len(short)} characters long; "
                            f"Teams allows {SHORT_NAME_MAX}")
    if any("${{" in text for text in _strings(manifest)):
        raise ManifestError("a value contains '${{', which would leave a placeholder in the manifest")
    return manifest


def _resolve(values: Mapping[str, str], needed: set[str], labels: Mapping[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    missing = []
    for name in sorted(needed):
        raw = values.get(name)
        if name in OPTIONAL_DEFAULTS:
            resolved[name] = OPTIONAL_DEFAULTS[name] if raw is None else str(raw)  # kept as given
            continue
        value = "" if raw is None else str(raw).strip()
        if value:
            resolved[name] = value
        elif name != "TEAMS_APP_ID":  # TEAMS_APP_ID is derived below, once BOT_ID is checked
            missing.append(name)
    if missing:  # every one at once
        if all(name in labels for name in missing):
            raise ManifestError(" and ".join(labels[name] for name in missing) + (" is" if len(missing) == 1 else " are")
                                + " not set")
        raise ManifestError(f"missing value for placeholder ${{{{{missing[0]}}}}}")
    if "APP_VERSION" in resolved and not resolved["APP_VERSION"]:
        resolved["APP_VERSION"] = package_version()

    for name in GUID_PLACEHOLDERS:
        if name in resolved:
            resolved[name] = _check_guid(labels.get(name, name), resolved[name])
    if "TEAMS_APP_ID" in needed and "TEAMS_APP_ID" not in resolved:
        if "BOT_ID" not in resolved:
            raise ManifestError("missing value for placeholder ${{TEAMS_APP_ID}} (and no BOT_ID to derive it from)")
        resolved["TEAMS_APP_ID"] = default_app_id(resolved["BOT_ID"])
    if DOMAIN_PLACEHOLDER in resolved:
        resolved[DOMAIN_PLACEHOLDER] = check_domain(resolved[DOMAIN_PLACEHOLDER], labels.get(DOMAIN_PLACEHOLDER,
                                                                                             DOMAIN_PLACEHOLDER))
    return resolved


def _check_guid(name: str, value: str) -> str:
    if not GUID.fullmatch(value):
        raise ManifestError(
            f"{name} must be a GUID like 00000000-0000-0000-0000-000000000000 "
            f"(no braces or extra text), got {value!r}"
        )
    if int(value.replace("-", ""), 16) == 0:
        raise ManifestError(f"{name} is the all-zero GUID; use the real id")
    return value


def check_domain(value: str, label: str = DOMAIN_PLACEHOLDER) -> str:
    hint = "a bare host name such as 'uppdrag.example.se' (no scheme, port or path)"
    if "://" in value or value.startswith("//"):
        host = urlsplit(value if "://" in value else "https:" + value).hostname
        suggestion = f"; did you mean {host!r}?" if host else ""
        raise ManifestError(f"{label} must be {hint}, got {value!r}{suggestion}")
    if any(ch in value for ch in "/?#@\\"):
        raise ManifestError(f"{label} must be {hint}, got {value!r} (it contains a path)")
    if ":" in value:
        raise ManifestError(f"{label} must be {hint}, got {value!r} (it contains a port)")
    host = value.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ManifestError(f"{label} must be {hint}, got {value!r}") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ManifestError(f"{label} must be {hint}, got {value!r}")
    return ascii_host


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield key
            yield from _strings(item)
    elif isinstance(obj, list):
        for item in obj:
            yield from _strings(item)


def _map_strings(obj: Any, fn) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, dict):
        return {fn(key): _map_strings(item, fn) for key, item in obj.items()}
    if isinstance(obj, list):
        return [_map_strings(item, fn) for item in obj]
    return obj


# ------------------------------------------------------------------------- validate


def schema_path() -> Path:
    """Where the v1.25 schema is read from (see the module docstring)."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise ManifestError(f"{SCHEMA_ENV} points to {path}, which is not a file")
        return path
    for path in SCHEMA_CANDIDATES:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in SCHEMA_CANDIDATES)
    raise ManifestError(
        f"Teams manifest schema v{MANIFEST_VERSION} not found (looked in {looked}); "
        f"set {SCHEMA_ENV} to the path of {SCHEMA_FILE}"
    )


@functools.lru_cache(maxsize=4)
def _load_validator(path: str):
    import jsonschema
    from jsonschema import validators

    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read the manifest schema {path}: {exc}") from None
    declared = schema.get("properties", {}).get("manifestVersion", {}).get("const")
    if declared != MANIFEST_VERSION:
        raise ManifestError(f"{path} is the schema for manifest version {declared!r}, expected {MANIFEST_VERSION!r}")
    # The Teams schema declares draft-04 but uses later keywords ("const" pins
    # manifestVersion); plain Draft4Validator would silently ignore them.
    later = {k: jsonschema.Draft7Validator.VALIDATORS[k] for k in ("const", "contains", "propertyNames", "if")}
    cls = validators.extend(jsonschema.Draft4Validator, later)
    return cls(schema), schema


def validate(manifest: dict) -> None:
    """Raise :class:`ManifestError` unless ``manifest`` matches the v1.25 schema.

    Works offline; ``$ref``s in the schema are all local.  Besides the schema,
    ``version`` must be semver (the schema only says so in prose) and no
    ``${{...}}`` placeholder may be left.
    """
    validator, schema = _load_validator(str(schema_path()))
    problems: list[tuple[str, str]] = []
    for error in validator.iter_errors(manifest):
        message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        problems.append((error.json_path, message))

    semver = schema.get("definitions", {}).get("semver", {}).get("pattern")
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if semver and isinstance(version, str) and not re.search(semver, version):
        problems.append(("$.version", f"{version!r} is not a semantic version like '1.0.0'"))
    if any("${{" in text for text in _strings(manifest)):
        problems.append(("$", "unrendered ${{...}} placeholder(s) left in the manifest"))

    if problems:
        problems.sort()
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        raise ManifestError(
            f"manifest does not match the Teams manifest v{MANIFEST_VERSION} schema "
            f"({len(problems)} error(s)):\n{lines}",
            problems,
        )


# -------------------------------------------------------------------------- package


def build_package(values: Mapping[str, str], out: Path, labels: Mapping[str, str] | None = None) -> Path:
    """Render and validate the manifest, then write the app package zip.

    The zip holds ``manifest.json`` and the icons it names, all at the root.
    Nothing is written when rendering or validation fails.
    """
    manifest = render(values, labels)
    validate(manifest)
    files: dict[str, bytes] = {
        "manifest.json": (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    }
    for kind, name in manifest["icons"].items():
        source = HERE / name
        try:
            data = source.read_bytes()
        except OSError:
            raise ManifestError(f"icon {name!r} ({kind}) not found at {source}") from None
        expected = ICON_SIZES.get(kind)
        size = _png_size(data)
        if size is None or (expected and size != expected):
            raise ManifestError(f"icon {name!r} must be a {expected[0]}x{expected[1]} PNG, got {size or 'not a PNG'}")
        files[name] = data

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".uppdragsboten-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def write_package(values: Mapping[str, str], out: Path,
                  labels: Mapping[str, str] | None = None) -> tuple[int, Path | None]:
    """:func:`build_package` for a command line: (exit code, the zip written); a refusal is
    printed on stderr and nothing is written (2: a value or the manifest, 1: the file)."""
    try:
        return 0, build_package(values, out, labels)
    except ManifestError as exc:
        print(f"the app package was not written: {exc}", file=sys.stderr)
        return 2, None
    except OSError as exc:
        print(f"the app package was not written: {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1, None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# ------------------------------------------------------------------------------ CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m manifest.build",
        description="Build the Teams app package (manifest.json + icons) for Uppdragsboten.",
    )
    parser.add_argument("--bot-id", help="Microsoft App ID of the bot (default: $BOT_ID, then $MicrosoftAppId)")
    parser.add_argument("--domain", help="host name the bot is served from, e.g. uppdrag.example.se (default: $BOT_DOMAIN)")
    parser.add_argument("--app-id", help="Teams app id (default: $TEAMS_APP_ID, else derived from the bot id)")
    parser.add_argument("--name-suffix", help="appended to the app name, e.g. ' (test)' (default: $APP_NAME_SUFFIX)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"zip to write (default: {DEFAULT_OUT})")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the error
        return exc.code if isinstance(exc.code, int) else 2

    env = os.environ
    bot_id = args.bot_id or env.get("BOT_ID") or env.get("MicrosoftAppId")
    domain = args.domain or env.get("BOT_DOMAIN")
    missing = []
    if not bot_id:
        missing.append("the bot id (--bot-id, or BOT_ID / MicrosoftAppId in the environment)")
    if not domain:
        missing.append("the bot's host name (--domain, or BOT_DOMAIN in the environment)")
    if missing:
        print(f"error: missing {' and '.join(missing)}", file=sys.stderr)
        return 2

    values = {"BOT_ID": bot_id, "BOT_DOMAIN": domain}
    app_id = args.app_id or env.get("TEAMS_APP_ID")
    if app_id:
        values["TEAMS_APP_ID"] = app_id
    suffix = args.name_suffix if args.name_suffix is not None else env.get("APP_NAME_SUFFIX")
    if suffix is not None:
        values["APP_NAME_SUFFIX"] = suffix

    code, path = write_package(values, args.out)
    if path is not None:
        print(path)
    return code


if __name__ == "__main__":
    sys.exit(main())
