"""hospital-kiosk: self-service kiosk software for a hospital's outpatient lobby."""

__version__ = "0.1.0"
