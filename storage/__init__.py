"""Persistence: models, migrations, the storage functions, the importer, and the async gateway."""
