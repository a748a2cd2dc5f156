"""Project commands (``COMMANDS_MODULE``); a command here replaces Scrapy's of the same name."""
