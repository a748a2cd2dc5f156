"""Page -> record, callable without a crawler (spiders, extraction workers, the CLI, benches).

- :mod:`.article`: :func:`~.article.extract_article`, the one entry point;
- :mod:`.page`: page objects (:class:`~.page.ArticlePage`, ``@field``);
- :mod:`.markup`: meta tags, JSON-LD, schema types and visible text, each read once;
- :mod:`.loader`: raw fields -> :class:`~newscrawl.items.ArticleItem`;
- :mod:`.datelines`: wire datelines ("Seoul (AFP) Aug 22, 2025");
- :mod:`.decoding`: bytes -> text, as Scrapy and browsers decode pages;
- :mod:`.generic`: the generic layer, one module per field;
- :mod:`.worker`: the extraction worker process.

Site profiles, the page objects of known sites, are in :mod:`newscrawl.profiles`. Nothing
in this package imports :mod:`scrapy.crawler`.
"""
