#!/usr/bin/env python3
"""Writes scenarios/sim_default.toml: every key at its default, including the
storage keys the canonical form leaves out. Usage: write_sample_config.py VERITY_BINARY OUT"""
import re
import subprocess
import sys

binary, out = sys.argv[1], sys.argv[2]
table = subprocess.run([binary, "config", "--keys"], capture_output=True, text=True, check=True).stdout
sections = {}
for row in table.splitlines()[2:]:
    cells = [c.strip() for c in row.strip("|").split("|")]
    key, default = cells[0].strip("`"), cells[2].strip("`")
    section, name = key.split(".", 1)
    sections.setdefault(section, []).append(f"{name} = {default}")
lines = [
    "# The defaults of `verity sim`, written out. Copy this file, change what you",
    "# need, and pass it with `verity sim --config FILE`. docs/CONFIG.md lists every",
    "# key with its range. Storage keys (journal.*, log.*, data.dir) never change a",
    "# run's outcome or its final hash.",
]
for section in sorted(sections):
    lines += ["", f"[{section}]"] + sorted(sections[section])
open(out, "w").write("\n".join(lines) + "\n")
