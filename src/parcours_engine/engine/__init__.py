"""SpiffWorkflow + lxml only: load and check models, run them, save and restore their state."""
