"""Kiosk peripherals: drivers behind one base, a manager, and simulators (see DESIGN.md).

Nothing here imports Qt. Import the pieces from their modules (``kiosk.devices.manager``,
``kiosk.devices.events``, ``kiosk.devices.receipt``...); this package runs no code on import.
"""
