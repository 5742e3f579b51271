"""Write models for other tools: Promela (SPIN), PRISM (Storm), Aldebaran .aut (mCRL2, CADP)."""

FORMATS = ("promela", "prism", "aut")
