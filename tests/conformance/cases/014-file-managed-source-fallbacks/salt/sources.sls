{% set sb = grains['sandbox'] %}
fallback:
  file.managed:
    - name: {{ sb }}/fallback.txt
    - source:
      - salt://files/missing.txt
      - salt://files/second.txt
      - salt://files/third.txt
all-missing:
  file.managed:
    - name: {{ sb }}/none.txt
    - source:
      - salt://files/nope1.txt
      - salt://files/nope2.txt
from-pillar:
  file.managed:
    - name: {{ sb }}/motd
    - contents_pillar: app:motd
from-pillar-no-newline:
  file.managed:
    - name: {{ sb }}/key
    - contents_pillar: app:key
    - contents_newline: false
    - mode: '0600'
from-grains:
  file.managed:
    - name: {{ sb }}/os.txt
    - contents_grains: osfinger
