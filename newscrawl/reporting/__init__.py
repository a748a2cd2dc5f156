"""The crawl's history drawn for operators: ``newscrawl report`` (:mod:`newscrawl.cli.report`).

:mod:`.runs` builds a run's row of the store's history (recorded by the
:class:`~newscrawl.extensions.history.RunHistory` extension); :mod:`.data` reads what the
report shows from the store; :mod:`.charts` and :mod:`.html` draw it as one self-contained
page.
"""
