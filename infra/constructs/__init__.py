"""Reusable constructs of the CDK app."""
