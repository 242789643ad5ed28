"""The demo tour: every flow walked offscreen like a patient would, with screenshots.

``kiosk demo --tour DIR`` (and ``kiosk demo`` on a machine without a display) runs it; the flow
tests and ``bench/flows.py`` use its driver, worlds and walks. Its modules import Qt and the
simulators: import them only where they are needed.
"""
