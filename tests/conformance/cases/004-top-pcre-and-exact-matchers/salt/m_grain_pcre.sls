m_grain_pcre:
  test.nop: []
