"""The shared test harness: permission-matrix callers and checks (matrix), the route table (routes),
the bad-body cases (bodies) and the query-count helper (queries). See README.md here."""
