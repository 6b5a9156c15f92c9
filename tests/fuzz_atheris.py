"""Coverage-guided fuzzing of the same properties as tests/test_fuzz.py, driven by atheris (libFuzzer) instead of
hypothesis' own search — for long runs on a spare machine, not for CI.

    python3 -m pip install -e ".[test,fuzz]"
    python3 -m tests.fuzz_atheris damaged -atheris_runs=200000      # readers on damaged and random files
    python3 -m tests.fuzz_atheris csv -max_total_time=3600           # whole intake on generated CSV ledgers

Targets: damaged, csv, workbook, values, rules, rules-text. libFuzzer's options follow the target's name. A failure
prints the exception and hypothesis' reproduction decorator; the input is kept as crash-* in the working folder.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["compliance"]):
    from tests import test_fuzz

TARGETS = {
    "damaged": test_fuzz.test_damaged_and_random_files_are_read_or_refused_cleanly,
    "csv": test_fuzz.test_every_csv_ledger_ends_in_rows_accounted_for_or_a_clean_error,
    "workbook": test_fuzz.test_every_workbook_ends_in_rows_accounted_for_or_a_clean_error,
    "values": test_fuzz.test_any_value_is_a_date_a_count_or_a_reason,
    "rules": test_fuzz.test_a_mangled_rules_file_loads_or_is_refused_with_a_message,
    "rules-text": test_fuzz.test_any_text_as_a_rules_file_loads_or_is_refused_with_a_message,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python3 -m tests.fuzz_atheris {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target.hypothesis.fuzz_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
