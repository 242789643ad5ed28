"""Operations: systemd notification and watchdog, Prometheus metrics.

``sdnotify`` and ``metrics`` import no Qt (``kiosk doctor`` and tests use them); ``watchdog``
is the Qt side that feeds systemd's watchdog from the GUI thread's event loop.
"""
