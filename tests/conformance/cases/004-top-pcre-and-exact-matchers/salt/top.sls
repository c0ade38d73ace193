base:
  'role:a.i':
    - match: grain_pcre
    - m_grain_pcre
  'roles:w.b':
    - match: grain_pcre
    - m_grain_pcre_list
  'app:tier:front.*':
    - match: pillar_pcre
    - m_pillar_pcre
  'app:tier:frontend-01':
    - match: pillar_exact
    - m_pillar_exact
  'app:tier:frontend':
    - match: pillar_exact
    - m_pillar_exact_partial
  'J@app:tier:^front':
    - match: compound
    - m_compound_j
  'P@roles:w.b and not P@os:Red.*':
    - match: compound
    - m_compound_p
  'app:tier:back.*':
    - match: pillar_pcre
    - m_nope
