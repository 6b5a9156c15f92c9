"""Stage 0, configuration: the rule catalogue (rules.yaml, with each kind's model from engine/kinds), the layout
file, resource limits, and the YAML toolkit that explains a hand-written file's mistakes in Chinese."""
