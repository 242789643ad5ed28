"""Voice: spoken guidance (``tts``, ``prompts``) and voice commands (``asr``).

Each module is imported on its own: the speech synthesiser's child process imports ``tts``
only, and ``kiosk doctor`` imports no Qt.
"""
