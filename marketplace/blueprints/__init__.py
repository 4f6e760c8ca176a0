"""The domains, one package each, listed lowest first in ``marketplace.DOMAINS``."""
