"""The conversation, without HTTP: language understanding, cards, button actions, answers,
the Swedish copy and the update dialog."""
