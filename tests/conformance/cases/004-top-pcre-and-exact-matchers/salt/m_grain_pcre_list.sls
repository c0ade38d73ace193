m_grain_pcre_list:
  test.nop: []
