"""Settings the environment may give: ``STORE_URL`` and ``REDIS_URL``.

README.md tells operators to ``export STORE_URL=... REDIS_URL=...`` (a fleet's machines, a
systemd ``EnvironmentFile``, a crontab's variables), so every spider and every ``newscrawl``
command reads them, with one precedence everywhere:

    a flag (``-s NAME=VALUE``; ``newscrawl --store``/``--redis``)
    > the environment variable
    > the project's settings (``newscrawl/settings.py``).

Why ``settings.py`` reads the environment itself: Scrapy 2.19 turns no environment variable
into a setting (``get_project_settings`` keeps only ``SCRAPY_SETTINGS_MODULE``,
``SCRAPY_PROJECT``, ``SCRAPY_CHECK`` and ``SCRAPY_PYTHON_SHELL``). The settings module is
loaded at the ``project`` priority, under the command line's ``-s`` (``cmdline``), so a value
read there from the environment gives exactly that order for ``scrapy crawl``, ``scrapy
check``, ``scrapy shell`` and Scrapyd jobs (which inherit scrapyd's environment) alike. An
add-on could not do it: add-ons set their values at the ``addon`` priority, below the
project's. The ``newscrawl`` command asks :func:`environment_setting` again at run time, so
the order holds even when the project's settings module is another one.

An empty variable counts as unset (``STORE_URL= scrapy crawl ...`` does not turn the store
off; ``-s STORE_URL=`` does).
"""

from __future__ import annotations

import os

#: The settings an environment variable of the same name may give.
ENVIRONMENT_SETTINGS = ("STORE_URL", "REDIS_URL")


def environment_setting(name: str, default: str | None = None) -> str | None:
    """The value of environment variable ``name``, or ``default`` when unset or empty."""
    if name not in ENVIRONMENT_SETTINGS:
        raise ValueError(f"{name} is not read from the environment ({ENVIRONMENT_SETTINGS})")
    value = os.environ.get(name, "").strip()
    return value or default
