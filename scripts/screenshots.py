"""README screenshots of the release page, desktop and phone, made by headless Chromium from a published index.html.

    karabakh-timeline publish --out dist
    python scripts/screenshots.py dist/karabakh-timeline-*/index.html      # writes docs/page-desktop.png, docs/page-phone.png

The PNGs are quantised to a 64-colour palette (Pillow, when installed) so that they stay small in the repository.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = os.environ.get("KT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SHOTS = {"page-desktop.png": {"width": 1400, "height": 1000}, "page-phone.png": {"width": 390, "height": 844}}


def shrink(path: Path, colours: int = 64) -> None:
    """Re-save a PNG with a small palette, if Pillow is there (otherwise the PNG stays as Chromium wrote it)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def shoot(index: Path, out: Path, browser: Browser | None = None) -> list[Path]:
    """One screenshot per size in SHOTS, of the first screen as a reader sees it (in browser, or a Chromium of its own)."""
    if browser is None:
        with sync_playwright() as playwright:
            own = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return shoot(index, out, own)
            finally:
                own.close()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size in SHOTS.items():
        page = browser.new_page(viewport=size, color_scheme="light")
        page.goto(index.resolve().as_uri())
        page.wait_for_selector("article.event")
        page.screenshot(path=str(out / name))
        page.close()
        shrink(out / name)
        written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a published release's index.html")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the PNGs (default: docs/)")
    args = parser.parse_args()
    for path in shoot(args.index, args.out):
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
