"""The kiosk's state machines. Nothing here imports Qt: charts consume events and emit effects."""
