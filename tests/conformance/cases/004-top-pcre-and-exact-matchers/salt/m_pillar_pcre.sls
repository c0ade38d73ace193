m_pillar_pcre:
  test.nop: []
