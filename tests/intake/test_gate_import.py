"""How the gate imports great-expectations."""

import subprocess
import sys


def test_great_expectations_is_imported_whole_for_a_second_thread():
    """The gate's import of great-expectations (with scipy.stats and altair standing in) is one: a thread asking
    while another imports waits for it, rather than getting the half-imported module."""
    script = """
import sys, threading, time
from compliance.intake import expectations as gate
results = {}
def call(i):
    results[i] = hasattr(gate.gxe(), "ExpectColumnValuesToBeInSet")
first = threading.Thread(target=call, args=(1,))
first.start()
while "great_expectations.expectations" not in sys.modules:
    time.sleep(0.0005)
call(2)
first.join()
print(results[1], results[2], [n for n in ("scipy.stats", "altair") if type(sys.modules.get(n)).__name__ == "_Deferred"])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True True []", done.stderr
