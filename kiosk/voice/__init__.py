"""Voice: spoken guidance (``tts``, ``prompts``) and voice commands (``asr`` hears, ``commands``,
``intents`` and ``soundalike`` understand; ``evaluation`` measures them on what patients say).

Each module is imported on its own: the speech synthesiser's child process imports ``tts``
only, and ``kiosk doctor`` imports no Qt.
"""
