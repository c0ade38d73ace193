ng_list-state:
  test.nop: []
