"""The problem list as it comes out of a printer: LibreOffice (headless) turns findings.xlsx into a PDF, and the
text on its first page is read back with pdfminer — at least 8 pt, the header on every page, no row over the next.

.ci/run installs LibreOffice and sets COMPLIANCE_REQUIRE_LIBREOFFICE=1, so there a missing soffice fails; elsewhere
the module is skipped with the reason.
"""

import os
import shutil
import subprocess
from collections import Counter
from itertools import pairwise

import pytest
from click.testing import CliRunner

from compliance.cli import main
from tests.helpers import DEMO

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None:
    if os.environ.get("COMPLIANCE_REQUIRE_LIBREOFFICE"):
        raise RuntimeError("COMPLIANCE_REQUIRE_LIBREOFFICE is set but there is no soffice")
    pytest.skip("no LibreOffice (apt-get install libreoffice-calc)", allow_module_level=True)

from pdfminer.high_level import extract_pages  # noqa: E402
from pdfminer.layout import LTChar, LTTextContainer  # noqa: E402


def pages(pdf):
    """Per page: the sizes of its characters (points, as printed) and its text lines with their top and bottom."""
    for page in extract_pages(pdf):
        sizes, lines = Counter(), []
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    chars = [c for c in line if isinstance(c, LTChar)]
                    sizes.update(round(c.size, 1) for c in chars)
                    if chars:
                        lines.append((line.get_text().strip(), line.x0, line.y0, line.y1))
        yield sizes, lines


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-12-31", "--out", str(out), "--format", "xlsx",
                                       "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    profile = out / "profile"  # a profile of its own: another soffice running must not take the job
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(out / "findings.xlsx")], check=True, capture_output=True, timeout=180)
    return list(pages(out / "findings.pdf"))


def test_the_problem_list_prints_at_8_points_or_more(printed):
    sizes, lines = printed[0]
    assert sum(sizes.values()) > 500  # a page full of findings
    assert min(sizes) >= 8.0, sizes  # it was 3.8 pt when every column was fitted to one page wide
    assert lines[0][0].startswith("序号")


def test_the_header_is_on_every_page_of_the_problem_list(printed):
    problem_list = [lines for sizes, lines in printed if any(text.startswith("序号") for text, *_ in lines)]
    assert len(problem_list) >= 2  # 21 findings take several pages; each starts with the header
    assert all(lines[0][0].startswith("序号") for lines in problem_list)


def test_no_wrapped_cell_runs_over_the_next_row(printed):
    """Lines printed in one column never overlap: a wrapped cell whose row is too short would run into the next."""
    for _, lines in printed:
        columns: dict[int, list[tuple[float, float]]] = {}
        for _, x0, y0, y1 in lines:
            columns.setdefault(round(x0), []).append((y0, y1))
        for spans in columns.values():
            spans.sort()
            for (low, high), (next_low, _) in pairwise(spans):
                assert next_low >= high - 0.5, (low, high, next_low)
