"""The maintenance side of the kiosk: PIN entry and lockout, and what the admin screen does."""
