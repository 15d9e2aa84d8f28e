"""Parameter sets, checked before any analysis runs (papermill itself only warns).

- `base`: strict keys, quoted values, file-and-line messages, `ParameterSet` (`to_mapping`)
- `values`: the one parser of parameter values (dates, numbers, choices, months, codes)
- `files`: the one YAML loader (through `workbench.data.yamlsafe`) and each key's line
- `report`: `ReportParams`, one evaluation report
- `batch`: `load_batch`, many reports from one file
- `notebook`: one parameter set per research notebook, `execute`, `parse_assignments`
"""
