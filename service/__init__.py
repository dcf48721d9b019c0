"""Cablewise runtime. Imports nothing, so importing service.core never pulls in Flask or the model."""
