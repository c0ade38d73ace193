ng_dbs-state:
  test.nop: []
