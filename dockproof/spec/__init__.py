"""The modelling language: TOML models and properties, parsed into a frozen IR."""
