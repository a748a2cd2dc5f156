"""Extensions: objects that live for the whole crawl, reached by other components with
``crawler.get_extension(Class)``.

:mod:`.store` owns the crawl's one store (and its lock); :mod:`.runguard` resets a killed
run's ``JOBDIR``; :mod:`.pool` runs the extraction worker processes; :mod:`.report` counts
per site and writes the run report; :mod:`.politeness` applies robots.txt ``Crawl-delay``.
"""
