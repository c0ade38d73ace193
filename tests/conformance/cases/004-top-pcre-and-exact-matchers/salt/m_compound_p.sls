m_compound_p:
  test.nop: []
