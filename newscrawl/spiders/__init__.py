"""Spiders: one per supported site, ``smn`` for the whole Space Media Network.

They only walk pages and hand article responses to
:func:`newscrawl.extract.article.extract_article`; which links are articles and where
sections start is each site profile's business, or for ``news`` (any other site) the
generic page rules of :mod:`newscrawl.discovery.pagekind`.
"""
