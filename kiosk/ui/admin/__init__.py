"""The hidden maintenance screen: the corner gesture, the PIN pad and the admin pages."""
