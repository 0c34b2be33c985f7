"""The embedded local stack: emulators and runners that stand in for AWS and the venues."""
