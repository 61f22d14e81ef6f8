"""Pure language understanding and search: no Bot Framework, no database."""
