"""The data contract (data/README.md): codes, table schemas, reading and writing tables,
dataset specs for one flat table, the checks across tables, and the validation report."""
