"""How cases come in: a request registered once, and existing plans imported in bulk."""
