"""The kiosk's Qt front-end: shows view models, forwards taps. Never calls services directly."""
