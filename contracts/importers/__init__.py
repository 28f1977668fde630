"""Importers of the files the council receives and publishes: KPI returns from providers
(returns.py) and the council's published spend files (spend.py). Each reads a file into checked
rows and leaves the writing to contracts.services, all or nothing."""
