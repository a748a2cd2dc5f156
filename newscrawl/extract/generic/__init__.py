"""Generic extraction for pages no site profile claims.

Every field is chosen from layered evidence, strongest first:

1. structured data: JSON-LD (``NewsArticle``/``Article``/... anywhere in ``@graph``, lists or
   nested under ``mainEntity``; ``@id`` references resolved) and schema.org microdata;
2. meta tags: OpenGraph, ``article:*``, Twitter cards and the usual ``name=`` tags;
3. the page itself: ``<h1>``, ``<title>``, bylines, ``<time>``;
4. engines for what markup does not state: trafilatura for the body (run once per page on
   the tree already parsed) and htmldate for a date no markup declares.

Where sources disagree the choice is made by agreement between independent sources rather
than by a fixed order. No rule here names a site, a domain or a publisher's template: every
rule is about news pages in general. :class:`GenericArticlePage` (:mod:`.page`) wires the
fields; each field's rules are in the module named for it.
"""

from newscrawl.extract.generic.page import GenericArticlePage

__all__ = ["GenericArticlePage"]
