"""Face attendance daemon and the shared face engine."""

__version__ = "18.0.1.0.0"
