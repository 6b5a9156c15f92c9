"""Stage 1, intake: files → sheets → tables below a header → normalised candidate rows → the data-quality gate
(great-expectations) → records, rejected rows and warnings that reconcile. Also the roster."""
