"""Uppdragsboten: the HTTP app, the Bot Framework adapter, the activity handler and cards."""
