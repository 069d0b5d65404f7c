"""From a question to a verdict: reading the question, screening it, deciding."""
