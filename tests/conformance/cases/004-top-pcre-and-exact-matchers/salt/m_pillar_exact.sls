m_pillar_exact:
  test.nop: []
