ng_nested-state:
  test.nop: []
