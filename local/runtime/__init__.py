"""What runs the local stack: the stack itself, its ports, child processes, state file and the
HTTP base every emulator shares."""
