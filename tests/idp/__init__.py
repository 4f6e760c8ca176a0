"""Test-only identity providers, run as real servers on 127.0.0.1 (SAML 2.0: ``saml.py``)."""
