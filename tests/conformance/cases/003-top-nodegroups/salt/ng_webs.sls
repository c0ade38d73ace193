ng_webs-state:
  test.nop: []
