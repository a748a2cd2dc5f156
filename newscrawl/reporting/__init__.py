"""The crawl's history and its report: runs kept in the store (:mod:`.history`), the data
``newscrawl report`` shows (:mod:`.data`), its charts and page (:mod:`.charts`,
:mod:`.html`) and the sub-command (:mod:`.command`)."""
