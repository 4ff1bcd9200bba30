"""Face attendance daemon and the shared face engine."""
