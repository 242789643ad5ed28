"""Run-time language switching through Qt's translation system.

Source strings in the code are English; resources/i18n/kiosk_zh_CN.qm holds the Chinese and
kiosk_en.qm only the English plural forms ("1 second" / "30 seconds"). Swapping the installed
translator makes Qt send a LanguageChange event to every widget, and each screen re-reads its
texts in ``retranslate``. Runs on the GUI thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from kiosk.config import SUPPORTED_LOCALES, Locale

log = logging.getLogger(__name__)


class Translations:
    def __init__(self, app: QCoreApplication, resources: Path) -> None:
        self._app = app
        self._dir = resources / "i18n"
        self._translators: dict[str, QTranslator] = {}
        self._installed: QTranslator | None = None
        self.locale: str | None = None  # none applied yet

    def qm_path(self, locale: str) -> Path:
        return self._dir / f"kiosk_{locale}.qm"

    def load_all(self) -> None:
        """Loads every translation once at start, so a language switch never touches the disk."""
        for locale in SUPPORTED_LOCALES:
            translator = QTranslator(self._app)
            if not translator.load(str(self.qm_path(locale))):
                raise FileNotFoundError(f"translation {self.qm_path(locale)} is missing or unreadable")
            self._translators[locale] = translator

    def set_locale(self, locale: str) -> None:
        if locale == self.locale:
            return
        translator = self._translators.get(locale)
        if translator is None:
            log.error("locale %s has no loaded translation; ignored", locale)
            return
        # The locale first: swapping translators sends LanguageChange at once, and screens
        # format dates and pick texts by the default locale while handling it.
        QLocale.setDefault(QLocale(locale))
        self.locale = locale
        if self._installed is not None:
            self._app.removeTranslator(self._installed)
        self._app.installTranslator(translator)
        self._installed = translator

    def release(self) -> None:
        """Removes and deletes this object's translators (the kiosk is stopping for good)."""
        self.unload()
        for translator in self._translators.values():
            translator.deleteLater()
        self._translators.clear()

    def unload(self) -> None:
        """Removes this object's translator from the application (at shutdown)."""
        if self._installed is not None:
            self._app.removeTranslator(self._installed)
            self._installed = None
        self.locale = None


def current_locale() -> Locale:
    """The language the screens are showing (set by ``Translations.set_locale``)."""
    return "zh_CN" if QLocale().name() == "zh_CN" else "en"
