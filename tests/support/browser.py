"""A real headless Chromium for tests, driven through chromedriver by Selenium.

Both come from Debian (``apt-get install chromium chromium-driver``, which ``.ci/run``
does). Selenium is given both paths, so Selenium Manager (which would try to download a
driver) is never run; the browser's own network features are switched off and it gets a
fresh profile, so a test page is all it loads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1200,900",
)


def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver), or None where they are not installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@contextmanager
def chromium(paths: tuple[str, str]) -> Iterator[Any]:
    """A Selenium driver on a headless Chromium with a fresh profile, its console logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = paths
    profile = tempfile.mkdtemp(prefix="newscrawl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def full_page_screenshot(driver: Any, path: Path) -> None:
    """The whole page, not only the window."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(int(height) + 50, 12000))
    driver.save_screenshot(str(path))
