"""roamx's toolkit: the ground floor every app builds on — API plumbing (``rest``, ``api_schema``), error
pages (``errors``), sign-in hooks (``security``), spreadsheet reading (``tables``) and the shared abstract
model (``models``). It imports no roamx app; ``lint-imports`` holds that (pyproject.toml)."""
