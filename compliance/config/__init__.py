"""Stage 0, configuration: the rule catalogue (rules.yaml, validated against the schema the engine's kind registry
hands in: configuration never imports a later stage), the layout file, resource limits, and the YAML toolkit that
explains a hand-written file's mistakes in Chinese."""
