"""Print setup for every sheet the tool writes: A4 landscape, one page wide, the header rows repeated on every
page, and a footer with the sheet's name and the page number — so a problem list or a blank ledger prints as a
secretary expects, not one column per page."""

from __future__ import annotations

from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

A4 = 9  # Excel's paper size code


def print_setup(sheet: Worksheet, title_rows: str = "1:1") -> None:
    """``title_rows``: the rows repeated at the top of every printed page (``"1:2"`` for a title row and a header)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    footer = sheet.oddFooter
    if footer is not None:  # (a worksheet of openpyxl always has one)
        footer.left.text = "&A"
        footer.right.text = "第 &P 页，共 &N 页"
