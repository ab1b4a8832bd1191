"""Application figures (start-up, memory, PDF) are registered here as their parts land."""
