ng_compound-state:
  test.nop: []
