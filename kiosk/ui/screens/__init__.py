"""One screen class per view model."""
