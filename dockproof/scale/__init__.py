"""Many containers on one host: instantiation, scalable engines, export to other tools."""
