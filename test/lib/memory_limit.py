#!/usr/bin/env python3
"""Runs a command with its address space limited, so that a test can tell
that a reader refuses a header before allocating what it declares.

  memory_limit.py MIB COMMAND ARGS...
"""
import os
import resource
import sys

mib = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
os.execvp(sys.argv[2], sys.argv[2:])
