"""Take a screenshot of a page of the built book with headless Chromium.

    .venv/bin/python scripts/screenshot.py "book/lstm_cell.html#the-equations" docs/screenshot.png

Used for the README's picture and for looking at pages as a reader would.
"""

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

HTML = Path(__file__).resolve().parent.parent / "_build" / "html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="page inside _build/html, optionally with #anchor")
    parser.add_argument("output", type=Path, help="where to write the PNG")
    parser.add_argument("--full", action="store_true", help="capture the whole page")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": args.width, "height": 860})
        page_path, _, anchor = args.page.partition("#")
        page.goto((HTML / page_path).as_uri(), wait_until="networkidle")
        if anchor:  # scroll there without the theme's highlight of a #target
            page.locator(f"#{anchor}").scroll_into_view_if_needed()
        args.output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.output), full_page=args.full)
        browser.close()


if __name__ == "__main__":
    main()
