ng_none-state:
  test.nop: []
