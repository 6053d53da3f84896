"""Knowledge graph of the Ségur du numérique en santé programme."""
