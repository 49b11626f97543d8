"""Pages, one module per capability. Each view asks the access decision (through ``common``), calls one
selector or service, and renders."""
