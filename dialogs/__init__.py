"""Multi-turn dialogs (the status update dialog lives here)."""
