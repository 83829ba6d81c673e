#!/usr/bin/env python3
"""Assemble README.md from its parts, so each component documents itself
next to its code: doc/README.head.md, the sections of spank/, helper/,
tracker/, cli/ (dsl status), tests/bench/scale/, tests/bench/model/ and
tests/bench/faults/, then doc/README.tail.md.
Edit the parts, then run: scripts/readme.py"""
import os

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parts = ["doc/README.head.md", "spank/README.section.md", "helper/README.section.md",
         "tracker/README.section.md", "cli/STATUS.section.md",
         "tests/bench/scale/README.section.md", "tests/bench/model/README.section.md",
         "tests/bench/faults/README.section.md",
         "doc/README.tail.md"]
text = "".join(open(os.path.join(top, p)).read().rstrip() + "\n\n" for p in parts)
with open(os.path.join(top, "README.md"), "w") as f:
    f.write(text.rstrip() + "\n")
