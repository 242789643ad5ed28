"""Payment integrity: the ledger, the providers, settlement, recovery and reconciliation.

Entry points: :func:`kiosk.payments.build.build_payments` (composition),
:class:`kiosk.payments.service.PaymentsService` (what the flows call),
:func:`kiosk.payments.reconcile_cli.run` (``kiosk reconcile``). Nothing here imports Qt, and
nothing is imported by this package module itself.
"""
