"""Finding what to fetch: listings (feeds, sitemaps, robots.txt), page kinds, crawl scope.

Pure functions over pages and URLs, no crawler; the spiders call them.

- :mod:`.listings`: RSS/Atom feeds, XML and Google News sitemaps, ``Sitemap:`` lines;
- :mod:`.pagekind`: is a page an article, a listing, which link is its next page: the
  rules the generic ``news`` spider walks an unknown site by;
- :mod:`.scope`: which URLs a crawl of "this site" may request.
"""
