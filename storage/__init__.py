"""Data layer: models, migrations, queries and the report importer.

The modules ``statuses``, ``periods``, ``committees`` and ``report_format`` are pure
domain code (no SQLModel, no botbuilder) and are tested on their own.
"""
