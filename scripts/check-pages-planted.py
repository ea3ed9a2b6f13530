"""Shows that every page check of scripts/check-pages.py fails on its defect: builds the
book of planted defects (scripts/planted-book/, one defect a page) with mdbook, runs the
checks on each page, and fails unless each page gets exactly its expected findings and
the clean page none.

usage: check-pages-planted.py CHROMIUM
"""

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KATEX = Path("/usr/share/javascript/katex")
_spec = importlib.util.spec_from_file_location("check_pages", HERE / "check-pages.py")
check_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_pages)

# Each page's findings, as (text each must contain, how many): a page passes the test
# only if every finding is expected and every expected one is found.
EXPECTED = {
    "index.html": [],  # the first chapter (clean.md) again, as mdbook writes it
    "404.html": [],
    "clean.html": [],
    "wide.html": [("at 1100 px", "reaches past the column"), ("at 800 px", "reaches past the column")],
    "wide-at-800.html": [("at 800 px", "div#narrow-windows-only", "reaches past the column")],
    "code.html": [("at 1100 px", "scrolls sideways"), ("at 800 px", "scrolls sideways")],
    "formula.html": [("at 1100 px", "formula (1.1)", "runs into its number"), ("at 800 px", "formula (1.1)", "runs into its number")],
    "uncaptioned.html": [("“A figure”", "has no caption"), ("A figure in an answer", "has no caption")],
    "map-unlinked.html": [("A map", "does not link to its page")],
    "widget-unlabelled.html": [("img#bare-map", "lacks token labels", "'alpha'")],
    "widget-undeclared.html": [("img#undeclared-map", "does not say what it maps")],
}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    browser = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp, "planted-book")
        shutil.copytree(HERE / "planted-book", book)
        # The book's theme and KaTeX's stylesheet and fonts, as scripts/build-book.sh
        # lays them out, so that the planted pages are laid out as the book's are.
        shutil.copytree(ROOT / "book" / "theme", book / "theme")
        if not (KATEX / "katex.min.css").is_file():
            sys.exit("error: the planted book's maths needs KaTeX's stylesheet (apt-get install libjs-katex fonts-katex)")
        (book / "src" / "katex" / "fonts").mkdir(parents=True)
        shutil.copy(KATEX / "katex.min.css", book / "src" / "katex")
        for font in (KATEX / "fonts").glob("*.woff2"):
            shutil.copy(font, book / "src" / "katex" / "fonts")
        built = subprocess.run(["mdbook", "build", str(book), "-d", str(book / "book")], capture_output=True, text=True)
        if built.returncode != 0:
            sys.exit(f"error: mdbook could not build the planted book: {built.stderr.strip()[-500:]}")
        pages = sorted(p.name for p in (book / "book").glob("*.html") if p.name not in check_pages.SKIPPED)
        if sorted(EXPECTED) != pages:
            sys.exit(f"error: the planted book's pages {pages} are not those expected {sorted(EXPECTED)}")
        failures = []
        for name, expected in sorted(EXPECTED.items()):
            found = check_pages.check_page(browser, book / "book" / name)
            unmatched = list(found)
            for parts in expected:
                match = next((f for f in unmatched if all(p in f for p in parts)), None)
                if match is None:
                    failures.append(f"{name}: the check did not find {' … '.join(parts)}")
                else:
                    unmatched.remove(match)
            failures += [f"{name}: unexpected finding: {f}" for f in unmatched]
            print(f"{name}: {'; '.join(found) if found else 'passes'}")
    if failures:
        sys.exit("error: the page checks do not catch the planted defects as they should:\n" + "\n".join(failures))
    print("page checks shown to fail on each planted defect, and to pass the clean page")


if __name__ == "__main__":
    main()
