m_nope:
  test.nop: []
