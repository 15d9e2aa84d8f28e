"""Privacy: what identifies people, and what keeps it out of analyses and published outputs.

- `identifiers`: which headers and values are direct identifiers, and which columns of a table
  hold them;
- `pseudonymize`: `workbench pseudonymize` (keyed hashes of the ids, identifying columns dropped);
- `guard`: the check `report`, `validate` and `batch` run before reading data;
- `disclosure`: the small-count and differencing rules for published tables;
- `public`: what an error message or a CSV cell may show of the data in official outputs.
"""
