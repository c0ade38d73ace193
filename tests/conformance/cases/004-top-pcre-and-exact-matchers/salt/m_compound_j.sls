m_compound_j:
  test.nop: []
