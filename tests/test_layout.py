"""The package's layout promises: old dotted paths still load (with a warning), extraction
runs without a crawler, and what an extraction worker computed travels with its item."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import MIRROR, MIRROR_STORIES, ROOT, scrapy_command
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.utils.misc import load_object

from newscrawl.compat import MOVED
from newscrawl.extract.article import extract_article
from newscrawl.extract.worker import prepare
from newscrawl.items import ARTICLE_FIELDS, ArticleItem, article_record
from newscrawl.neardup import MadeSketch, NearDupConfig, Sketch
from newscrawl.pipelines.neardup import NearDupPipeline
from newscrawl.pipelines.normalize import NormalizePipeline
from tests.support.crawlers import store_crawler

ARTICLE = MIRROR / "www.spacewar.com" / "afp" / "250822091400.8jscpt2f.html"
ARTICLE_URL = "https://www.spacewar.com/afp/250822091400.8jscpt2f.html"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_dotted_paths_load_the_new_objects_with_a_warning(old: str) -> None:
    with pytest.warns(ScrapyDeprecationWarning, match=MOVED[old].replace(".", r"\.")):
        found = load_object(old)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert found is load_object(MOVED[old])


def test_unknown_names_of_old_modules_are_still_errors() -> None:
    with pytest.raises(NameError, match="NoSuchPipeline"):  # Scrapy's spelling of it
        load_object("newscrawl.pipelines.NoSuchPipeline")
    with pytest.raises(NameError, match="no_such_thing"):
        load_object("newscrawl.guard.no_such_thing")
    with pytest.raises(ModuleNotFoundError):
        load_object("newscrawl.no_such_module.Thing")


def test_a_crawl_configured_with_the_old_paths_still_runs(tmp_path: Path) -> None:
    """Settings a deployed egg or a cron line may still carry, every kind of component."""
    old_pipelines = {
        "newscrawl.pipelines.NormalizePipeline": 100,
        "newscrawl.pipelines.ValidatePipeline": 200,
        "newscrawl.incremental.RevisionPipeline": 250,
        "newscrawl.pipelines.DedupPipeline": 300,
        "newscrawl.pipelines.NearDupPipeline": 350,
        "newscrawl.pipelines.StorePipeline": 400,
    }
    feed = tmp_path / "feed.jsonl"
    result = scrapy_command(
        "crawl", "smn", "-O", str(feed), "-s", f"MIRROR_DIR={MIRROR}",
        "-s", f"STORE_URL=sqlite:///{tmp_path / 'store.db'}",
        "-s", f"ITEM_PIPELINES={json.dumps(old_pipelines)}",
        "-s", "EXTRACTION_FUNCTION=newscrawl.extraction.extract_job",
        "-s", "LOG_FORMATTER=newscrawl.pipelines.DropLogFormatter",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(feed.read_text(encoding="utf-8").splitlines()) == MIRROR_STORIES
    assert "newscrawl.pipelines.StorePipeline is deprecated" in result.stderr
    assert "Traceback" not in result.stderr


def test_extraction_code_imports_no_crawler() -> None:
    """``newscrawl.extract`` runs in workers, the CLI and benches: never a crawler there."""
    for path in (ROOT / "newscrawl" / "extract").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.startswith(("scrapy.crawler", "twisted")) for n in names), path
    probe = (
        "import sys, newscrawl.extract.article, newscrawl.extract.worker; "
        "print([m for m in ('scrapy.crawler', 'twisted.internet.reactor') if m in sys.modules])"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert found.stdout.strip() == "[]", found.stderr


def test_what_a_worker_computed_travels_with_the_item() -> None:
    """The worker's normalised item replaces the extracted one in the pipeline, and its
    sketch is used only for the very text and configuration it was made from."""
    config = NearDupConfig()
    extraction = prepare(extract_article(ARTICLE.read_text(encoding="utf-8"), ARTICLE_URL), config)
    extracted = extraction.item
    normalized = NormalizePipeline().process_item(extracted)
    assert normalized is extracted["normalized"]
    assert normalized["fingerprint"] and "normalized" not in normalized
    made = normalized["sketch"]
    assert isinstance(made, MadeSketch) and isinstance(made.sketch, Sketch)
    assert made.fits(config, normalized["headline"], normalized["body"])
    assert not made.fits(NearDupConfig(threshold=0.5), normalized["headline"], normalized["body"])
    assert not made.fits(config, normalized["headline"], normalized["body"] + " More.")
    # Internal fields never reach the feed's field list or the stored record.
    assert "normalized" not in ARTICLE_FIELDS and "sketch" not in ARTICLE_FIELDS
    assert set(article_record(normalized)) <= set(ARTICLE_FIELDS)
    pipeline = NearDupPipeline.from_crawler(store_crawler(None))
    pipeline.open_spider()
    assert pipeline.process_item(normalized) is normalized
    assert "sketch" not in normalized  # taken by the pipeline that needed it


def test_an_item_without_worker_results_is_normalised_in_the_pipeline() -> None:
    item = extract_article(ARTICLE.read_text(encoding="utf-8"), ARTICLE_URL).item
    assert "normalized" not in item
    normalized = NormalizePipeline().process_item(item)
    assert isinstance(normalized, ArticleItem) and normalized["fingerprint"]
