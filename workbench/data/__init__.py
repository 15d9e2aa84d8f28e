"""The data contract (data/README.md): what a dataset is, how it is read, checked and written.

- `codes`: the glossary's codes and their zh/en labels; `schema`: the tables, their columns and
  the Chinese aliases the contract accepts; `values`: checking and converting a column's values;
  `conform`: a raw table conformed to the contract; `links`: the checks across tables;
- `read` (one table file; size caps in `limits`), `io` (a dataset folder → `Dataset`, and
  `load_any` for a folder or a spec), `write` (atomic writing), `yamlsafe` (the one YAML reader);
- `spec` (a dataset spec file), `spec_table` and `spec_columns` (its table → `SpecDataset`);
- `dataset` (`Dataset`), `validate` (the data-quality report of `workbench validate`).
"""
