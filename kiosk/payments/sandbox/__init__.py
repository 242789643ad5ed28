"""The payment sandbox: a channel on 127.0.0.1 with a page per order (demo and tests only)."""
