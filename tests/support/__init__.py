"""What the tests share: local HTTP servers, real PostgreSQL and Redis, the fault site, and
crawler objects wired as a crawl wires them."""
