shared_key: from-pillar
only_pillar: pillar-only-value
pdict:
  x: {a: 1}
