"""Qt adapters that run engine work off the GUI thread and report through throttled signals."""
