"""Simulated devices that speak the real byte protocols, for tests and ``kiosk demo``."""
