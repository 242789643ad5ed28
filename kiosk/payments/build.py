"""Composition of the payments part from config (called by app.py, the CLI and the harness).

``build_payments(config, his, devices, journal)`` returns a :class:`PaymentsService` whose
``start()`` starts the embedded sandbox (when a sandbox provider names no ``base_url``), runs
recovery and the resolver; ``stop()`` undoes it in reverse. Build on the owning thread;
``start()`` blocks (recovery) and belongs on a worker thread at start-up.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.config import Config, PaymentProvider
from kiosk.his.gateway import HisGateway
from kiosk.journal import Journal
from kiosk.payments.channel import ChannelClient
from kiosk.payments.errors import ProviderOptionsError
from kiosk.payments.ledger import PaymentLedger
from kiosk.payments.options import (
    BankCardOptions,
    PaymentCodeOptions,
    SandboxOptions,
    ScanToPayOptions,
    validate_options,
)
from kiosk.payments.providers import (
    PAYMENT_CODE_POLICY,
    BankCardProvider,
    CardTerminalPort,
    PaymentCodeProvider,
    PollPolicy,
    Provider,
    SandboxProvider,
    ScanToPayProvider,
)
from kiosk.payments.sandbox.client import SandboxChannel
from kiosk.payments.service import PaymentsService, Probe

log = logging.getLogger(__name__)


def read_token(provider: PaymentProvider) -> str | None:
    """The merchant token from ``credentials_file`` (first line), if any."""
    if provider.credentials_file is None:
        return None
    text = provider.credentials_file.read_text(encoding="utf-8").strip()
    return text.splitlines()[0].strip() if text else None


def needs_embedded_sandbox(config: Config) -> bool:
    return any(
        p.kind == "sandbox" and SandboxOptions.model_validate(p.options).base_url is None
        for p in config.payments.providers.values()
    )


def build_providers(config: Config, devices: CardTerminalPort | None, sandbox_url: str | None) -> dict[str, Provider]:
    providers: dict[str, Provider] = {}
    for name, spec in config.payments.providers.items():
        try:
            options: Any = validate_options(spec.kind, spec.options)
        except ValueError as exc:
            raise ProviderOptionsError(f"payments.providers.{name}: {exc}") from None
        token = read_token(spec)
        if isinstance(options, SandboxOptions):
            url = str(options.base_url) if options.base_url is not None else sandbox_url
            if url is None:
                raise ProviderOptionsError(f"payments.providers.{name}: the embedded sandbox is not running")
            policy = PollPolicy(options.poll_interval_s, options.deadline_s)
            providers[name] = SandboxProvider(
                name, SandboxChannel(url, token=token, timeout_s=options.timeout_s), policy
            )
        elif isinstance(options, ScanToPayOptions):
            channel = _channel(name, options, token, config)
            providers[name] = ScanToPayProvider(name, channel, PollPolicy(options.poll_interval_s, options.deadline_s))
        elif isinstance(options, PaymentCodeOptions):
            channel = _channel(name, options, token, config)
            policy = PollPolicy(options.poll_interval_s, options.reverse_after_s, PAYMENT_CODE_POLICY.min_end_s)
            providers[name] = PaymentCodeProvider(name, channel, policy)
        elif isinstance(options, BankCardOptions):
            if devices is None:
                raise ProviderOptionsError(f"payments.providers.{name}: a bank_card provider needs the card terminal")
            policy = PollPolicy(1.0, options.deadline_s)
            providers[name] = BankCardProvider(name, devices, policy, command_timeout_s=options.command_timeout_s)
    return providers


def _channel(
    name: str, options: ScanToPayOptions | PaymentCodeOptions, token: str | None, config: Config
) -> ChannelClient:
    if options.channel == "wechat" and options.wechat is not None:
        from kiosk.payments.wechatpay.setup import build_wechat_channel  # noqa: PLC0415 - cryptography only if used

        try:
            return build_wechat_channel(options.wechat, str(options.base_url), options.timeout_s, config.his.timezone)
        except ValueError as exc:
            raise ProviderOptionsError(f"payments.providers.{name}: {exc}") from None
    return SandboxChannel(str(options.base_url), token=token, timeout_s=options.timeout_s)


def build_payments(
    config: Config,
    his: HisGateway,
    devices: CardTerminalPort | None,
    journal: Journal,
    *,
    probe: Probe | None = None,
) -> PaymentsService:
    """The payments service for ``config``; ``journal`` must be open. Providers are created at
    ``start()`` (after the embedded sandbox knows its port)."""
    ledger = PaymentLedger(journal)
    settings = config.payments
    sandbox: Any = None
    if needs_embedded_sandbox(config):
        from kiosk.payments.sandbox.server import SandboxServer  # noqa: PLC0415 - demo only

        db = settings.sandbox.db_path
        if db is not None and not db.is_absolute():
            db = Path(config.journal_path).parent / db
        sandbox = SandboxServer(
            host=settings.sandbox.host,
            port=settings.sandbox.port,
            public_url=str(settings.sandbox.public_url) if settings.sandbox.public_url else None,
            db_path=db,
            timezone=config.his.timezone,
        )
    service = PaymentsService(
        ledger,
        his,
        {},
        kiosk_id=config.kiosk.id,
        timezone=config.his.timezone,
        resolver_interval_s=settings.resolver_interval_s,
        recovery_deadline_s=settings.recovery_deadline_s,
        probe=probe,
    )

    def on_start() -> None:
        url = sandbox.start() if sandbox is not None else None
        service.providers.update(build_providers(config, devices, url))

    def on_stop() -> None:
        if sandbox is not None:
            sandbox.close()

    service.set_hooks(on_start, on_stop)
    service.sandbox = sandbox
    return service
