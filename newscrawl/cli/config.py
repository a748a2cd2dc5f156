"""Where the ``newscrawl`` command finds ``STORE_URL`` and ``REDIS_URL``.

The same order as for the spiders (:mod:`newscrawl.environment`): the flag (``--store``,
``--redis``), else the environment variable, else the project's settings. The project is the
one ``scrapy`` would find from the working folder (``scrapy.cfg``, or
``SCRAPY_SETTINGS_MODULE``); outside any project, newscrawl's own settings, so that the
command means the same thing wherever it is typed.
"""

from __future__ import annotations

import os

from scrapy.settings import Settings

from newscrawl.environment import environment_setting

DEFAULT_SETTINGS_MODULE = "newscrawl.settings"


def project_settings() -> Settings:
    """The settings ``scrapy crawl`` would use here, before its ``-s`` flags."""
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()  # finds scrapy.cfg, sets SCRAPY_SETTINGS_MODULE
    if not os.environ.get("SCRAPY_SETTINGS_MODULE"):
        settings.setmodule(DEFAULT_SETTINGS_MODULE, priority="project")
    return settings


def resolve(name: str, flag: str | None, settings: Settings | None = None) -> str | None:
    """``name`` (STORE_URL or REDIS_URL): the flag, else the environment, else the settings."""
    if flag:
        return flag
    value = environment_setting(name)
    if value:
        return value
    return (settings or project_settings()).get(name) or None
