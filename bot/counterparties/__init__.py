"""The parties we deal with, remembered from questions and records."""
