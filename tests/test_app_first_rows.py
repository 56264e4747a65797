"""AppTest: a long child list sends only its first rows to the browser and says how many there
are; its CSV download, made only when clicked, has every row (issue 11)."""
import io
import re

import pandas as pd
import pytest
import streamlit as st

from pages.common.layout import MAX_ROWS
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, fresh_caches, generated_url, navigation_not_pages_folder, no_exception,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")


def test_a_long_list_shows_its_first_rows_and_downloads_them_all(monkeypatch, generated_url):
    downloads = {}
    original = st.download_button

    def recording(label, data, *args, file_name=None, **kwargs):
        downloads[file_name] = data
        return original(label, data, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    at = app_test(monkeypatch, generated_url, page="pages/briefing.py")
    at.run()
    no_exception(at)
    totals = [int(m.group(1).replace(",", "")) for c in at.caption
              if (m := re.search(r"The first [\d,]+ of ([\d,]+) rows", c.value))]
    assert totals and min(totals) > MAX_ROWS, [c.value for c in at.caption]
    assert max(len(df.value) for df in at.dataframe) == MAX_ROWS
    lists = [d for name, d in downloads.items() if name.startswith("attention")]
    assert len(lists) == 1 and callable(lists[0]), "encoded on click, not on every run"
    assert len(pd.read_csv(io.BytesIO(lists[0]()))) in totals
