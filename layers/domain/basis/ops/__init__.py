"""Operator scripts: run by people (or the local stack), never by a Lambda handler."""
