"""Build the front-end assets into incidentdesk/static/dist/ from the npm packages.

Run after `npm ci`:  .venv/bin/python scripts/build_assets.py

- compiles incidentdesk/static_src/incidentdesk.scss (GOV.UK Frontend's Sass with our
  font stack and brand colour) with Dart Sass from the npm package `sass`;
- copies govuk-frontend.min.js and htmx.min.js beside it;
- copies the GOV.UK Frontend images the compiled CSS refers to, refusing the crown,
  crest and GDS Transport fonts, which are reserved for GOV.UK.

Nothing here reaches the network: everything comes from node_modules, which `npm ci`
fills from package-lock.json. The output folder is rebuilt from scratch each time so
a file dropped from the build cannot linger in it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
SCSS_ENTRY = ROOT / "incidentdesk" / "static_src" / "incidentdesk.scss"
DIST = ROOT / "incidentdesk" / "static" / "dist"
GOVUK_DIST = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
GOVUK_ASSETS = GOVUK_DIST / "assets"

# (source inside node_modules, name in static/dist). The source map goes along because
# the .min.js names it, and Django's ManifestStaticFilesStorage fails collectstatic on
# a sourceMappingURL that points at a missing file.
SCRIPTS = [
    (GOVUK_DIST / "govuk-frontend.min.js", "govuk-frontend.min.js"),
    (GOVUK_DIST / "govuk-frontend.min.js.map", "govuk-frontend.min.js.map"),
    (NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js", "htmx.min.js"),
]

# Reserved for GOV.UK: never copied, and a stylesheet that refers to them is an error.
FORBIDDEN_ASSET = re.compile(r"crown|crest|govuk-(icon|opengraph|logotype)|favicon|fonts/", re.I)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


class BuildError(Exception):
    """A problem the person running the build must fix; printed without a traceback."""


def check_packages() -> None:
    """Fail unless node_modules holds the versions package.json pins."""
    if not NODE_MODULES.is_dir():
        raise BuildError(
            f"{NODE_MODULES} is missing: run `npm ci` in {ROOT} first "
            "(it installs the packages pinned in package-lock.json)."
        )
    wanted: dict[str, str] = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for name, version in wanted.items():
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.is_file():
            raise BuildError(f"node_modules/{name} is missing: run `npm ci` first.")
        installed = json.loads(manifest.read_text())["version"]
        if installed != version:
            raise BuildError(
                f"node_modules/{name} is {installed}, package.json pins {version}: "
                "run `npm ci` again."
            )


def find_node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise BuildError("Node.js is not installed (Debian: `apt-get install nodejs npm`).")
    return node


def compile_css(node: str, target: Path) -> str:
    """Compile the Sass entry to `target` and return the CSS."""
    command = [
        node,
        str(NODE_MODULES / "sass" / "sass.js"),
        f"--load-path={NODE_MODULES}",
        "--style=compressed",
        "--no-source-map",
        # Deprecation notices from inside govuk-frontend are theirs to fix, not ours;
        # warnings from our own Sass still show.
        "--quiet-deps",
        str(SCSS_ENTRY),
        str(target),
    ]
    # The command is built from fixed paths above, never from user input.
    result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BuildError(f"Sass failed (exit {result.returncode}); see the messages above.")
    return target.read_text(encoding="utf-8")


def check_css(css: str) -> None:
    if "GDS Transport" in css:
        raise BuildError(
            "The compiled CSS names the GDS Transport typeface, which is reserved for "
            "GOV.UK: check $govuk-font-family in incidentdesk.scss."
        )


def copy_css_assets(css: str) -> list[str]:
    """Copy each file the CSS refers to by a relative url(), from govuk-frontend's assets.

    The CSS uses `$govuk-assets-path: "assets/"`, so a reference reads
    `assets/images/NAME` relative to static/dist/.
    """
    copied: list[str] = []
    for _quote, url in CSS_URL.findall(css):
        if url.startswith(("data:", "#")):
            continue
        if not url.startswith("assets/"):
            raise BuildError(f"The CSS refers to {url!r}, outside static/dist/assets/.")
        if FORBIDDEN_ASSET.search(url):
            raise BuildError(
                f"The CSS refers to {url!r}, which is GOV.UK's own (crown, crest, fonts or "
                "icons): leave out the component that uses it."
            )
        relative = url.removeprefix("assets/").split("?")[0].split("#")[0]
        source = GOVUK_ASSETS / relative
        if not source.is_file():
            raise BuildError(f"The CSS refers to {url!r}, which govuk-frontend does not ship.")
        destination = DIST / "assets" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        copied.append(url)
    return copied


def build() -> None:
    check_packages()
    node = find_node()
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir(parents=True)

    css = compile_css(node, DIST / "incidentdesk.css")
    check_css(css)
    assets = copy_css_assets(css)

    for source, name in SCRIPTS:
        if not source.is_file():
            raise BuildError(f"{source} is missing: run `npm ci` again.")
        shutil.copyfile(source, DIST / name)

    print(f"Built {DIST.relative_to(ROOT)}/:")
    for path in sorted(DIST.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(DIST)}  {path.stat().st_size:,} bytes")
    if assets:
        print(f"  (images the CSS needs: {', '.join(sorted(set(assets)))})")


def main() -> int:
    try:
        build()
    except BuildError as exc:
        print(f"build_assets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
