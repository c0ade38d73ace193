m_pillar_exact_partial:
  test.nop: []
