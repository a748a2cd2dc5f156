"""Project commands (``COMMANDS_MODULE``): ``scrapy crawl`` with exit statuses for cron."""
