"""Records (기록): reading the JSON, the typed models in the domain's words, the rules beyond the schema, the as-of rule and the derived totals."""
